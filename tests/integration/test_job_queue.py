"""A schedule computed through the real queue by a separate huey consumer process."""

import os
import subprocess
import sys
import time

from sqlalchemy import select

from mission_app.extensions import db, huey
from mission_app.models import ScheduleRun
from tests.integration.test_schedule_pages import _requests_to_schedule


def test_consumer_process_runs_the_queued_schedule(
    logged_in, mission, database_url, tmp_path, monkeypatch
):
    _requests_to_schedule(mission)
    # A queue of this test's own, shared with the consumer it starts.
    monkeypatch.setitem(huey.storage_kwargs, "filename", str(tmp_path / "queue.db"))
    huey.immediate = False
    try:
        env = {
            **os.environ,
            "APP_ENV": "testing",
            "TEST_DATABASE_URL": database_url,
            "HUEY_SQLITE_PATH": huey.storage.filename,
        }
        consumer = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "huey.bin.huey_consumer",
                "mission_app.jobs.huey",
                "--workers",
                "1",
                "--worker-type",
                "thread",
                "--quiet",
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        try:
            logged_in.post_form(
                f"/missions/{mission.id}/schedule/runs",
                {"time_limit": "10"},
                token_from=f"/missions/{mission.id}/schedule",
            )
            run = db.session.scalar(select(ScheduleRun))
            deadline = time.monotonic() + 90
            while run.status in ("queued", "running") and time.monotonic() < deadline:
                time.sleep(0.5)
                db.session.commit()  # end the read transaction, to see the consumer's writes
                db.session.refresh(run)
        finally:
            consumer.terminate()
            output = consumer.communicate(timeout=30)[0].decode(errors="replace")
        assert run.status == "done", output[-2000:]
        assert run.figures["weight"] == 6
        assert len(run.assignments) == 6
    finally:
        huey.immediate = True
