"""Background jobs, run by the huey consumer: `huey_consumer mission_app.jobs.huey`.

A job is an edge of the application, like a view: it opens its own app context, calls
services, and commits.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_app_context
from huey import crontab

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
        solution = scheduling.solve(mission_problem.to_solve(), options)
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
# People per task sent to a worker process: big enough to keep the pipe quiet, small enough for
# the progress bar to move.
BATCH_CHUNK = 4
_worker_app = None  # the app a forked worker renders with (set before the pool forks)


@huey.task()
def build_agenda_zip_job(batch_id: int, base_url: str) -> None:
    with _app_context():
        execute_agenda_batch(batch_id, base_url)


def execute_agenda_batch(batch_id: int, base_url: str, workers: int | None = None) -> None:
    """Render each person's agenda into the batch's ZIP, saving progress as it goes.

    Rendering is CPU-bound (WeasyPrint, pure Python for the most part), so the agendas are
    rendered by forked worker processes, one per core; this process writes the ZIP and the
    progress. `base_url` is the site's address as the organiser saw it, so that the QR codes
    point where the portal answers.
    """
    import time
    from pathlib import Path

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
        taken: set[str] = set()
        names = {p.id: documents.zip_member_name(p, taken) for p in people}
        db.session.commit()
        archive = documents.open_batch_zip(app.instance_path, batch)
        saved_at = time.monotonic()
        chunks = [
            [p.id for p in people[k : k + BATCH_CHUNK]] for k in range(0, len(people), BATCH_CHUNK)
        ]
        for rendered in _render_chunks(app, mission.id, base_url, chunks, workers):
            for person_id, content in rendered:
                archive.writestr(names[person_id], content)
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


def _render_chunks(app, mission_id: int, base_url: str, chunks, workers: int | None):
    """Each chunk's [(person id, PDF bytes)], in order: in worker processes when there is more
    than one core and more than one chunk, else here."""
    import multiprocessing
    import os

    global _worker_app
    workers = workers or min(4, os.cpu_count() or 1)
    if workers <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for chunk in chunks:
            yield _render_agendas(app, mission_id, base_url, chunk)
        return
    from concurrent.futures import ProcessPoolExecutor

    _worker_app = app
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker) as pool:
        futures = [pool.submit(_render_in_worker, mission_id, base_url, chunk) for chunk in chunks]
        for future in futures:
            yield future.result()


def _start_worker() -> None:
    # The forked child must not share the parent's database connections.
    with _worker_app.app_context():
        db.engine.dispose(close=False)


def _render_in_worker(mission_id: int, base_url: str, person_ids: list[int]):
    with _worker_app.app_context():
        try:
            return _render_agendas(_worker_app, mission_id, base_url, person_ids)
        finally:
            db.session.remove()


def _render_agendas(app, mission_id: int, base_url: str, person_ids: list[int]):
    from flask import url_for
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from mission_app.models import Person
    from mission_app.services import documents

    mission = db.session.get(Mission, mission_id)
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person)
            .where(Person.id.in_(person_ids), Person.mission_id == mission_id)
            .options(selectinload(Person.organisation))
        )
    }

    def portal_url(person):
        if not person.access_token:
            return None
        return url_for("portal.show_agenda", token=person.access_token, _external=True)

    # Participants get the published schedule; the chunk's shared data is loaded once.
    chunk = [people[pid] for pid in person_ids if pid in people]
    with app.test_request_context(base_url=base_url):
        return [
            (person.id, exported.content)
            for person, exported in documents.person_agenda_files(
                mission, chunk, portal_url, source="published"
            )
        ]


# ----- the outbox: e-mails to participants after a publication -----------------------------------


@huey.task()
def send_outbox_job(mission_id: int) -> None:
    with _app_context():
        send_pending_messages(mission_id)


@huey.periodic_task(crontab(minute="*"))
def retry_outbox_job() -> None:
    """Once a minute: messages whose next attempt is due (after a refusal or an unreachable
    server), and messages left "sending" by a worker that died. Retrying from here, rather than
    with huey's own retries, keeps the delay per message and survives a lost queue."""
    from mission_app.services import notifications

    with _app_context():
        for mission_id in notifications.missions_with_due_messages(utcnow()):
            send_pending_messages(mission_id)


@dataclass(frozen=True)
class SendReport:
    """What one round of sending did."""

    sent: int = 0
    retrying: int = 0  # refused or unreachable this time; will be tried again
    failed: int = 0  # given up: a permanent refusal or the last attempt


def send_pending_messages(
    mission_id: int, *, publication_id: int | None = None, now: datetime | None = None
) -> SendReport:
    """Send the mission's messages that are due, one at a time, each step committed: claim,
    build, send, record. Used by the job and, in the foreground, by `flask mission publish`.

    `now` decides which messages are due and when failed ones are tried again (tests move it
    forward instead of waiting). An unreachable server ends the round: the rest wait.
    """
    from mission_app.models import OutboundMessage
    from mission_app.services import notifications

    app = current_app._get_current_object()
    settings = notifications.MailSettings.from_config(app.config)
    now = now or utcnow()
    notifications.release_stale_messages(mission_id, now)
    db.session.commit()
    sent = retrying = failed = 0
    transport = notifications.SmtpTransport(settings)
    try:
        for message_pk in notifications.due_message_ids(mission_id, now, publication_id):
            # the lease runs from the claim, not from the round's start: after a slow relay
            # a lease taken from `now` could already be over, and another worker re-send it
            won = notifications.claim_message(message_pk, max(now, utcnow()))
            db.session.commit()
            if not won:  # another worker has it
                continue
            message = db.session.get(OutboundMessage, message_pk)
            if message.raw is None:
                try:
                    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
                        notifications.build_message(message, settings, _public_portal_url)
                except Exception as error:  # a bug or bad data: show it, keep sending the rest
                    db.session.rollback()
                    message = db.session.get(OutboundMessage, message_pk)
                    notifications.record_failure(
                        message,
                        f"could not build the message: {type(error).__name__}: {error}",
                        now,
                        settings.max_attempts,
                        permanent=True,
                    )
                    db.session.commit()
                    failed += 1
                    continue
                db.session.commit()
            try:
                transport.send(message.recipient, message.raw)
            except notifications.TransportFailure as error:
                notifications.record_failure(message, str(error), now, settings.max_attempts)
                db.session.commit()
                retrying += message.status == "pending"
                failed += message.status == "failed"
                break
            except notifications.MessageRefused as error:
                notifications.record_failure(
                    message, str(error), now, settings.max_attempts, permanent=error.permanent
                )
                db.session.commit()
                retrying += message.status == "pending"
                failed += message.status == "failed"
                continue
            notifications.record_sent(message, utcnow())
            db.session.commit()
            sent += 1
    finally:
        transport.close()
    return SendReport(sent=sent, retrying=retrying, failed=failed)


def _public_portal_url(person) -> str | None:
    """The person's portal on the site's public address (inside a request context on it)."""
    from flask import url_for

    if not person.access_token:
        return None
    return url_for("portal.show_agenda", token=person.access_token, _external=True)
