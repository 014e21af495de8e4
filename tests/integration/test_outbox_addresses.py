"""The outbox follows the person's current address, and a sending lease runs from its claim."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, text

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from mission_app.models import OutboundMessage
from mission_app.models.types import utcnow
from mission_app.services import notifications
from tests.conftest import page_text
from tests.integration.test_notifications import _publish, _scenario
from tests.smtp import smtp_server_fixture  # noqa: F401


def _message_to(address: str) -> OutboundMessage:
    return db.session.scalar(select(OutboundMessage).where(OutboundMessage.recipient == address))


def test_retry_failed_goes_to_a_corrected_address_as_a_new_message(mission, smtp_server):
    people, _, _ = _scenario(mission)
    people["amina"].email = "typo@x.example"
    db.session.flush()
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550
    send_pending_messages(mission.id)  # Amina's comes first, by name, and is refused for good
    failed = _message_to("typo@x.example")
    assert (failed.status, failed.last_error) == ("failed", "SMTP 550: 5.1.1 No such mailbox")
    old_id = failed.message_id
    smtp_server.received.clear()
    people["amina"].email = "amina@atlas.example"
    db.session.commit()

    count = notifications.retry_failed_messages(None, mission)
    db.session.commit()

    assert count == 1
    db.session.refresh(failed)
    assert (failed.recipient, failed.status, failed.raw) == ("amina@atlas.example", "pending", None)
    assert failed.message_id != old_id
    send_pending_messages(mission.id)
    assert [r.rcpt_tos for r in smtp_server.received] == [["amina@atlas.example"]]
    sent = smtp_server.received[0].message
    assert sent["To"].addresses[0].addr_spec == "amina@atlas.example"
    assert sent["Message-ID"] == failed.message_id
    db.session.refresh(failed)
    assert failed.status == "sent"


def test_retry_failed_keeps_message_id_and_bytes_when_the_address_is_unchanged(
    mission, smtp_server
):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550
    send_pending_messages(mission.id)
    failed = _message_to("amina@atlas.example")
    old_id, old_raw = failed.message_id, failed.raw

    notifications.retry_failed_messages(None, mission)
    db.session.commit()

    db.session.refresh(failed)
    assert (failed.message_id, failed.raw) == (old_id, old_raw)


def test_outbox_page_shows_the_corrected_address_after_retry(mission, smtp_server, logged_in):
    people, _, _ = _scenario(mission)
    people["amina"].email = "typo@x.example"
    db.session.flush()
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550
    send_pending_messages(mission.id)
    people["amina"].email = "amina@atlas.example"
    notifications.retry_failed_messages(None, mission)
    db.session.commit()

    text_ = page_text(logged_in.get(f"/missions/{mission.id}/outbox"))

    assert "amina@atlas.example" in text_
    assert "typo@x.example" not in text_


def test_pending_message_goes_to_the_address_current_when_it_is_sent(mission, smtp_server):
    people, _, _ = _scenario(mission)
    _, queued = _publish(mission)
    queued_ids = {m.recipient: m.message_id for m in queued}
    people["john"].email = "john.diop@bdk.example"
    db.session.commit()

    send_pending_messages(mission.id)

    received = smtp_server.by_recipient()
    assert sorted(received) == [
        "amina@atlas.example",
        "john.diop@bdk.example",
        "omar@sahara.example",
    ]
    john = received["john.diop@bdk.example"].message
    assert john["To"].addresses[0].addr_spec == "john.diop@bdk.example"
    assert john["Message-ID"] != queued_ids["john@bdk.example"]


def test_lease_of_a_long_round_runs_from_each_claim(mission, smtp_server):
    """A round that started longer ago than the lease (a slow relay) still claims each message
    with a lease in the future, so that no other worker takes it back while it is sent."""
    _scenario(mission)
    _publish(mission)
    round_start = utcnow() - 2 * notifications.SENDING_LEASE
    engine = db.engine
    seen: list[tuple[str, datetime]] = []
    handle = smtp_server.handler.handle_DATA

    async def checking_handle(server, session, envelope):
        with engine.connect() as connection:
            row = connection.execute(
                text("select status, next_attempt_at from outbound_message where recipient = :r"),
                {"r": envelope.rcpt_tos[0]},
            ).one()
        seen.append((row[0], row[1]))
        return await handle(server, session, envelope)

    smtp_server.handler.handle_DATA = checking_handle

    report = send_pending_messages(mission.id, now=round_start)

    assert report.sent == 3
    assert [status for status, _ in seen] == ["sending"] * 3
    now = utcnow().replace(tzinfo=None)
    for _, lease_end in seen:
        if isinstance(lease_end, str):  # SQLite hands back text to a raw query
            lease_end = datetime.fromisoformat(lease_end)
        assert lease_end.replace(tzinfo=None) > now
