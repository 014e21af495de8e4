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
