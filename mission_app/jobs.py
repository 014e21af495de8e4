"""Background jobs, run by the huey consumer: `huey_consumer mission_app.jobs.huey`.

A job is an edge of the application, like a view: it opens its own app context, calls
services, and commits.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext

from flask import current_app, has_app_context

from mission_app import scheduling
from mission_app.extensions import db, huey
from mission_app.models import Mission, ScheduleRun
from mission_app.models.types import utcnow
from mission_app.services import schedule_runs
from mission_app.services.scheduling import build_problem

PROGRESS_INTERVAL_SECONDS = 1.0
_app = None


def _app_context():
    """The caller's app context (immediate mode, tests), else this process's own app."""
    global _app
    if has_app_context():
        return nullcontext()
    if _app is None:
        from mission_app import create_app

        _app = create_app()
    return _app.app_context()


@huey.task()
def run_schedule_job(run_id: int) -> None:
    with _app_context():
        execute_schedule_run(run_id)


def execute_schedule_run(run_id: int) -> None:
    run = db.session.get(ScheduleRun, run_id)
    if run is None or run.status != "queued":
        return
    run.status, run.started_at = "running", utcnow()
    db.session.commit()
    stop = threading.Event()
    watcher = _ProgressWatcher(current_app._get_current_object(), run_id, stop)
    try:
        if run.stop_requested:
            stop.set()
        mission_problem = build_problem(db.session.get(Mission, run.mission_id))
        options = scheduling.SolveOptions(
            time_limit_s=run.time_limit_seconds,
            fresh=run.fresh,
            progress=watcher.record,
            stop=stop,
        )
        watcher.start()
        solution = scheduling.solve(mission_problem.problem, options)
        watcher.finish()
        db.session.refresh(run)
        schedule_runs.store_result(run, solution, mission_problem.slot_times, stopped=stop.is_set())
        db.session.commit()
    except Exception as error:  # the organiser must see that the run failed, and why
        watcher.finish()
        db.session.rollback()
        run = db.session.get(ScheduleRun, run_id)
        run.status, run.finished_at = "failed", utcnow()
        run.error = f"{type(error).__name__}: {error}"
        db.session.commit()
        raise


class _ProgressWatcher:
    """Saves the best figures so far once a second, and turns a stop request into `stop`.

    It runs in its own thread with its own database session, so that the solver's callback
    never touches the database.
    """

    def __init__(self, app, run_id: int, stop: threading.Event):
        self.app, self.run_id, self.stop = app, run_id, stop
        self.latest: scheduling.Progress | None = None
        self.saved: scheduling.Progress | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)

    def record(self, progress: scheduling.Progress) -> None:
        self.latest = progress

    def start(self) -> None:
        self.thread.start()

    def finish(self) -> None:
        self.done.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def _loop(self) -> None:
        with self.app.app_context():
            while not self.done.wait(PROGRESS_INTERVAL_SECONDS):
                run = db.session.get(ScheduleRun, self.run_id)
                if run.stop_requested:
                    self.stop.set()
                if self.latest is not None and self.latest is not self.saved:
                    self.saved = self.latest
                    run.figures = schedule_runs.figures_as_dict(self.saved)
                db.session.commit()
                db.session.expire_all()
            db.session.remove()


# ----- documents: every personal agenda as one ZIP ----------------------------------------------

BATCH_PROGRESS_SECONDS = 0.5


@huey.task()
def build_agenda_zip_job(batch_id: int, base_url: str) -> None:
    with _app_context():
        execute_agenda_batch(batch_id, base_url)


def execute_agenda_batch(batch_id: int, base_url: str) -> None:
    """Render each person's agenda into the batch's ZIP, saving progress as it goes.

    `base_url` is the site's address as the organiser saw it, so that the QR codes in the
    agendas point where the portal answers.
    """
    import time
    from pathlib import Path

    from flask import url_for

    from mission_app.models import DocumentBatch
    from mission_app.services import documents

    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None or batch.status != "queued":
        return
    app = current_app._get_current_object()
    batch.status = "running"
    db.session.commit()
    archive = None
    try:
        mission = db.session.get(Mission, batch.mission_id)
        people = documents.batch_people(mission)
        batch.total_count, batch.done_count = len(people), 0
        db.session.commit()
        taken: set[str] = set()
        archive = documents.open_batch_zip(app.instance_path, batch)
        saved_at = time.monotonic()
        with app.test_request_context(base_url=base_url):

            def portal_url(person):
                if not person.access_token:
                    return None
                return url_for("portal.show_agenda", token=person.access_token, _external=True)

            for person in people:
                exported = documents.person_agenda_file(mission, person, portal_url)
                archive.writestr(documents.zip_member_name(person, taken), exported.content)
                batch.done_count += 1
                if time.monotonic() - saved_at >= BATCH_PROGRESS_SECONDS:
                    db.session.commit()
                    saved_at = time.monotonic()
        documents.finish_batch_zip(app.instance_path, batch, archive)
        db.session.commit()
    except Exception as error:  # the organiser must see that the batch failed, and why
        if archive is not None:
            archive.close()
            Path(archive.filename).unlink(missing_ok=True)
        db.session.rollback()
        batch = db.session.get(DocumentBatch, batch_id)
        batch.status, batch.finished_at = "failed", utcnow()
        batch.error = f"{type(error).__name__}: {error}"
        db.session.commit()
        raise
