"""The outbox sent through the real queue, by a separate huey consumer process."""

import os
import subprocess
import sys
import time

from sqlalchemy import select

from mission_app.extensions import db, huey
from mission_app.jobs import send_outbox_job
from mission_app.models import OutboundMessage
from tests.integration.test_notifications import _publish, _scenario
from tests.smtp import smtp_server_fixture  # noqa: F401


def test_consumer_process_sends_the_queued_messages(
    mission, smtp_server, database_url, tmp_path, monkeypatch
):
    _scenario(mission)
    _publish(mission)
    monkeypatch.setitem(huey.storage_kwargs, "filename", str(tmp_path / "queue.db"))
    huey.immediate = False
    try:
        env = {
            **os.environ,
            "APP_ENV": "testing",
            "TEST_DATABASE_URL": database_url,
            "HUEY_SQLITE_PATH": huey.storage.filename,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(smtp_server.port),
            "MAIL_DEFAULT_SENDER": "Mission TIC <missions@agence.example>",
            "PUBLIC_BASE_URL": "https://missions.agence.example",
        }
        send_outbox_job(mission.id)  # queued: nothing is sent by this process
        assert smtp_server.received == []
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
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                db.session.commit()  # end the read transaction, to see the consumer's writes
                statuses = db.session.scalars(
                    select(OutboundMessage.status)
                    .where(OutboundMessage.recipient != "")
                    .order_by(OutboundMessage.id)
                ).all()
                if statuses == ["sent", "sent", "sent"]:
                    break
                time.sleep(0.5)
        finally:
            consumer.terminate()
            output = consumer.communicate(timeout=30)[0].decode(errors="replace")
        assert statuses == ["sent", "sent", "sent"], output[-2000:]
        assert sorted(smtp_server.by_recipient()) == [
            "amina@atlas.example",
            "john@bdk.example",
            "omar@sahara.example",
        ]
        link = smtp_server.received[0].message.get_body(("plain",)).get_content()
        assert "https://missions.agence.example/p/" in link
    finally:
        huey.immediate = True
