"""E-mails on publish, through a real SMTP server on 127.0.0.1: who gets one, in which
language, with which calendars and agenda, and how sending survives a failing server."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta

import pytest
import vobject
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from mission_app.models import OutboundMessage, PublishedMeeting
from mission_app.models.types import utcnow
from mission_app.services import notifications
from mission_app.services.publications import publish_schedule
from tests import factories
from tests.smtp import SmtpServer, smtp_server_fixture  # noqa: F401

DAY = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # 09:00 in Dakar (UTC+0 all year)


def _scenario(mission):
    """Two meetings in Dakar: Amina (fr) and John (en) at 09:00 on table 1; Omar (ar) and
    Fatou (fr, no e-mail address) at 09:00 on table 2. Paul (en) has no meeting."""
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi")
    firm_a = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    firm_b = factories.OrganisationFactory(mission=mission, name="Sahara Cloud")
    host_a = factories.OrganisationFactory(mission=mission, name="Banque de Dakar", host=True)
    host_b = factories.OrganisationFactory(mission=mission, name="Sonatel Achats", host=True)
    people = {
        "amina": factories.PersonFactory(
            organisation=firm_a, name="Amina Alaoui", email="amina@atlas.example", languages=["fr"]
        ),
        "john": factories.PersonFactory(
            organisation=host_a, name="John Diop", email="john@bdk.example", languages=["en"]
        ),
        "omar": factories.PersonFactory(
            organisation=firm_b, name="Omar Bennani", email="omar@sahara.example", languages=["ar"]
        ),
        "fatou": factories.PersonFactory(
            organisation=host_b, name="Fatou Sall", email="", languages=["fr"]
        ),
        "paul": factories.PersonFactory(
            organisation=factories.OrganisationFactory(mission=mission, name="Sans RDV"),
            name="Paul Martin",
            email="paul@example.org",
            languages=["en"],
        ),
    }
    first = factories.MeetingFactory(
        request=factories.MeetingRequestFactory(mission=mission, delegation=firm_a, host=host_a),
        venue=venue,
        table_number=1,
        start_at=DAY,
        end_at=DAY + timedelta(minutes=30),
    )
    second = factories.MeetingFactory(
        request=factories.MeetingRequestFactory(mission=mission, delegation=firm_b, host=host_b),
        venue=venue,
        table_number=2,
        start_at=DAY,
        end_at=DAY + timedelta(minutes=30),
    )
    db.session.flush()
    return people, first, second


def _publish(mission):
    publication = publish_schedule(mission, None)
    queued = notifications.queue_publication_messages(publication) if publication else []
    db.session.commit()
    return publication, queued


def _ics_parts(message):
    return {
        part.get_filename(): part
        for part in message.iter_attachments()
        if part.get_content_type() == "text/calendar"
    }


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "agenda.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def test_first_publication_mails_each_person_with_meetings_in_their_language(
    mission, smtp_server, tmp_path
):
    people, first, second = _scenario(mission)
    publication, queued = _publish(mission)

    report = send_pending_messages(mission.id)

    assert (report.sent, report.retrying, report.failed) == (3, 0, 0)
    assert [m.recipient for m in queued] == [
        "amina@atlas.example",
        "john@bdk.example",
        "omar@sahara.example",
    ]
    received = smtp_server.by_recipient()
    assert sorted(received) == ["amina@atlas.example", "john@bdk.example", "omar@sahara.example"]
    assert {r.mail_from for r in received.values()} == {"missions@agence.example"}
    subjects = {rcpt: r.message["Subject"] for rcpt, r in received.items()}
    title = mission.title
    assert subjects == {
        "amina@atlas.example": f"{title} : votre agenda a changé (version 1)",
        "john@bdk.example": f"{title}: your agenda has changed (version 1)",
        "omar@sahara.example": f"{title}: تغيّر جدول مواعيدك (الإصدار 1)",
    }
    amina = received["amina@atlas.example"].message
    text = amina.get_body(("plain",)).get_content()
    assert "Bonjour Amina Alaoui," in text
    assert "Nouveau rendez-vous : Banque de Dakar" in text
    assert (
        "mardi 12 mai 2026, 09:00–09:30, heure de Dakar (Africa/Dakar), Hôtel Terrou-Bi, table 1"
        in text
    )
    token = people["amina"].access_token
    assert f"https://missions.agence.example/p/{token}" in text
    html = amina.get_body(("html",)).get_content()
    assert '<html lang="fr" dir="ltr">' in html
    omar_html = received["omar@sahara.example"].message.get_body(("html",)).get_content()
    assert '<html lang="ar" dir="rtl">' in omar_html
    john_text = received["john@bdk.example"].message.get_body(("plain",)).get_content()
    assert "New meeting: Atlas Logiciels" in john_text
    assert "Tuesday 12 May 2026, 09:00–09:30, Dakar time (Africa/Dakar)" in john_text

    calendars = _ics_parts(amina)
    assert list(calendars) == ["updates.ics"]
    part = calendars["updates.ics"]
    assert part.get_param("method") == "REQUEST"
    calendar = vobject.readOne(part.get_content())
    assert calendar.method.value == "REQUEST"
    (event,) = calendar.vevent_list
    assert event.uid.value == f"meeting-{first.id}.mission-{mission.id}@trade-mission-manager"
    published = db.session.scalar(
        select(PublishedMeeting).where(PublishedMeeting.meeting_id == first.id)
    )
    assert int(event.sequence.value) == published.sequence == 0
    assert event.dtstart.value.astimezone(UTC) == first.start_at == published.start_at
    assert event.organizer.value == "mailto:missions@agence.example"
    assert event.attendee.value == "mailto:amina@atlas.example"
    assert calendar.vtimezone.tzid.value == "Africa/Dakar"

    (pdf,) = [p for p in amina.iter_attachments() if p.get_content_type() == "application/pdf"]
    content = pdf.get_content()
    assert content.startswith(b"%PDF")
    pdf_text = _pdf_text(content, tmp_path)
    assert "Banque de Dakar" in pdf_text
    assert "Sonatel Achats" not in pdf_text

    rows = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(r.recipient, r.status, r.language, r.attempts) for r in rows] == [
        ("amina@atlas.example", "sent", "fr", 1),
        ("", "failed", "fr", 0),
        ("john@bdk.example", "sent", "en", 1),
        ("omar@sahara.example", "sent", "ar", 1),
    ]
    assert rows[1].person_id == people["fatou"].id
    assert rows[1].last_error == notifications.NO_ADDRESS
    assert {r.message_id for r in rows if r.recipient} == {
        r.message["Message-ID"] for r in received.values()
    }


def test_move_mails_only_the_two_people_concerned_with_old_and_new_time(mission, smtp_server):
    people, first, second = _scenario(mission)
    _publish(mission)
    send_pending_messages(mission.id)
    smtp_server.received.clear()
    first.start_at, first.end_at = DAY + timedelta(hours=1), DAY + timedelta(hours=1, minutes=30)
    first.sequence += 1
    db.session.flush()

    publication, queued = _publish(mission)
    send_pending_messages(mission.id)

    assert publication.number == 2
    received = smtp_server.by_recipient()
    assert sorted(received) == ["amina@atlas.example", "john@bdk.example"]
    text = received["john@bdk.example"].message.get_body(("plain",)).get_content()
    assert "Meeting moved: Atlas Logiciels" in text
    assert "Was: Tuesday 12 May 2026, 09:00–09:30, Dakar time (Africa/Dakar)" in text
    assert "Now: Tuesday 12 May 2026, 10:00–10:30, Dakar time (Africa/Dakar)" in text
    calendar = vobject.readOne(
        _ics_parts(received["john@bdk.example"].message)["updates.ics"].get_content()
    )
    (event,) = calendar.vevent_list
    assert int(event.sequence.value) == 1
    assert event.dtstart.value.astimezone(UTC) == DAY + timedelta(hours=1)


def test_cancellation_attaches_a_cancel_calendar_one_sequence_up(mission, smtp_server):
    people, first, second = _scenario(mission)
    _publish(mission)
    send_pending_messages(mission.id)
    smtp_server.received.clear()
    second_id = second.id
    db.session.delete(second)  # deleted outright: published as cancelled
    db.session.flush()

    publication, queued = _publish(mission)
    send_pending_messages(mission.id)

    received = smtp_server.by_recipient()
    assert sorted(received) == ["omar@sahara.example"]
    message = received["omar@sahara.example"].message
    calendars = _ics_parts(message)
    assert list(calendars) == ["cancelled.ics"]
    calendar = vobject.readOne(calendars["cancelled.ics"].get_content())
    assert calendar.method.value == "CANCEL"
    (event,) = calendar.vevent_list
    assert event.uid.value == f"meeting-{second_id}.mission-{mission.id}@trade-mission-manager"
    assert event.status.value == "CANCELLED"
    published = db.session.scalar(
        select(PublishedMeeting).where(PublishedMeeting.meeting_id == second_id)
    )
    assert int(event.sequence.value) == published.sequence == 1
    assert "Sonatel Achats" in message.get_body(("plain",)).get_content()
    no_address = db.session.scalars(
        select(OutboundMessage).where(
            OutboundMessage.publication_id == publication.id, OutboundMessage.recipient == ""
        )
    ).all()
    assert [m.person_id for m in no_address] == [people["fatou"].id]


def test_publishing_again_with_nothing_changed_sends_nothing(mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    send_pending_messages(mission.id)
    count = len(smtp_server.received)

    publication, queued = _publish(mission)
    report = send_pending_messages(mission.id)

    assert (publication, queued, count) == (None, [], 3)
    assert (report.sent, len(smtp_server.received)) == (0, 3)


def test_refused_message_is_retried_later_and_sent_once(mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.refuse_next = 1

    first_round = send_pending_messages(mission.id)
    again_at_once = send_pending_messages(mission.id)
    later = send_pending_messages(mission.id, now=utcnow() + timedelta(minutes=2))

    assert (first_round.sent, first_round.retrying) == (2, 1)
    assert (again_at_once.sent, later.sent) == (0, 1)
    refused = db.session.scalar(select(OutboundMessage).where(OutboundMessage.attempts == 2))
    assert (refused.recipient, refused.status, refused.last_error) == (
        "amina@atlas.example",
        "sent",
        "",
    )
    ids = [r.message["Message-ID"] for r in smtp_server.received]
    assert sorted(ids) == sorted(set(ids)) and len(ids) == 3


def test_unreachable_server_keeps_messages_waiting_then_sends_the_same_bytes(mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.stop()

    down = send_pending_messages(mission.id)
    waiting = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.recipient != "")
    ).all()
    statuses = [m.status for m in waiting]
    tried = [m for m in waiting if m.attempts]
    built, tried_recipient, error = tried[0].raw, tried[0].recipient, tried[0].last_error
    smtp_server.start()
    up = send_pending_messages(mission.id, now=utcnow() + timedelta(minutes=2))

    assert (down.sent, down.retrying) == (0, 1)
    assert statuses == ["pending"] * 3
    assert len(tried) == 1
    assert "ConnectionRefusedError" in error
    assert up.sent == 3
    assert smtp_server.by_recipient()[tried_recipient].raw == built


def test_message_fails_for_good_after_the_last_attempt(mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.always_refuse = {"amina@atlas.example"}  # MAIL_MAX_ATTEMPTS is 3 here
    now = utcnow()

    for minutes in (0, 2, 10):
        send_pending_messages(mission.id, now=now + timedelta(minutes=minutes))

    statuses = db.session.execute(
        select(OutboundMessage.recipient, OutboundMessage.status, OutboundMessage.attempts)
        .where(OutboundMessage.recipient != "")
        .order_by(OutboundMessage.recipient)
    ).all()
    assert [tuple(s) for s in statuses] == [
        ("amina@atlas.example", "failed", 3),
        ("john@bdk.example", "sent", 1),
        ("omar@sahara.example", "sent", 1),
    ]


def test_two_workers_at_once_send_each_message_once(mission, smtp_server, app):
    _scenario(mission)
    _publish(mission)
    mission_id = mission.id
    reports = []

    def worker():
        with app.app_context():
            reports.append(send_pending_messages(mission_id))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(r.sent for r in reports) == 3
    assert len(smtp_server.received) == 3
    assert len(smtp_server.by_recipient()) == 3


def test_stale_sending_message_is_recovered_with_the_same_message_id(mission, smtp_server):
    _scenario(mission)
    _, queued = _publish(mission)
    crashed = queued[0]
    assert notifications.claim_message(crashed.id, utcnow() - timedelta(hours=1))
    db.session.commit()

    send_pending_messages(mission.id)

    db.session.refresh(crashed)
    assert (crashed.status, crashed.attempts) == ("sent", 2)
    assert [r.message["Message-ID"] for r in smtp_server.received].count(crashed.message_id) == 1


def test_retry_failed_sends_to_a_person_who_now_has_an_address(mission, smtp_server):
    people, first, second = _scenario(mission)
    _publish(mission)
    send_pending_messages(mission.id)
    people["fatou"].email = "fatou@sonatel.example"
    db.session.flush()

    count = notifications.retry_failed_messages(None, mission)
    db.session.commit()
    send_pending_messages(mission.id)

    assert count == 1
    received = smtp_server.by_recipient()
    assert sorted(received) == [
        "amina@atlas.example",
        "fatou@sonatel.example",
        "john@bdk.example",
        "omar@sahara.example",
    ]
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.status == "sent")
        )
        == 4
    )


def test_permanent_refusal_fails_at_once_and_the_rest_are_sent(mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550

    report = send_pending_messages(mission.id)

    assert (report.sent, report.retrying, report.failed) == (2, 0, 1)
    failed = db.session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.attempts == 1, OutboundMessage.status == "failed"
        )
    )
    assert (failed.recipient, failed.last_error) == (
        "amina@atlas.example",
        "SMTP 550: 5.1.1 No such mailbox",
    )


def test_periodic_retry_finds_only_missions_with_due_or_stale_messages(mission, smtp_server):
    _scenario(mission)
    _, queued = _publish(mission)
    other = factories.MissionFactory()
    _scenario(other)
    _, other_queued = _publish(other)
    now = utcnow()
    for message in queued:  # waiting for a later attempt
        message.next_attempt_at = now + timedelta(minutes=5)
    for message in other_queued[1:]:
        message.status = "sent"
    assert notifications.claim_message(other_queued[0].id, now - timedelta(hours=1))  # stale
    db.session.commit()

    due_now = notifications.missions_with_due_messages(now)
    due_later = notifications.missions_with_due_messages(now + timedelta(minutes=6))

    assert due_now == [other.id]
    assert due_later == sorted([mission.id, other.id])


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_server_asking_for_a_login_gets_the_configured_one(mission, app, monkeypatch):
    server = SmtpServer(login=("missions", "correct horse"))
    server.start()
    try:
        for key, value in {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": server.port,
            "MAIL_USERNAME": "missions",
            "MAIL_PASSWORD": "wrong",
        }.items():
            monkeypatch.setitem(app.config, key, value)
        _scenario(mission)
        _publish(mission)

        refused = send_pending_messages(mission.id)
        error = db.session.scalar(
            select(OutboundMessage.last_error).where(OutboundMessage.attempts == 1)
        )
        monkeypatch.setitem(app.config, "MAIL_PASSWORD", "correct horse")
        accepted = send_pending_messages(mission.id, now=utcnow() + timedelta(minutes=2))
    finally:
        server.stop()

    assert (refused.sent, refused.retrying) == (0, 1)
    assert "SMTPAuthenticationError" in error
    assert accepted.sent == 3
    assert len(server.by_recipient()) == 3


def test_table_change_and_restore_are_requests_in_the_zone_of_the_leg(mission, smtp_server):
    people, first, second = _scenario(mission)
    leg = first.venue.leg
    leg.city, leg.timezone = "Casablanca", "Africa/Casablanca"  # UTC+1 in May
    _publish(mission)
    send_pending_messages(mission.id)
    smtp_server.received.clear()
    first.table_number, first.sequence = 3, first.sequence + 1
    second.status, second.sequence = "cancelled", second.sequence + 1
    db.session.flush()
    _publish(mission)
    send_pending_messages(mission.id)
    john = smtp_server.by_recipient()["john@bdk.example"].message
    smtp_server.received.clear()
    second.status, second.sequence = "scheduled", second.sequence + 1
    db.session.flush()

    publication, queued = _publish(mission)
    send_pending_messages(mission.id)

    received = smtp_server.by_recipient()
    changed = john.get_body(("plain",)).get_content()
    assert "Meeting changed: Atlas Logiciels" in changed
    assert "Tuesday 12 May 2026, 10:00–10:30, Casablanca time (Africa/Casablanca)" in changed
    assert "Hôtel Terrou-Bi, table 3" in changed
    restored = received["omar@sahara.example"].message
    assert restored.get_body(("plain",)).get_content().startswith("مرحبًا Omar Bennani،")
    assert "أُعيد اللقاء: Sonatel Achats" in restored.get_body(("plain",)).get_content()
    calendar = vobject.readOne(_ics_parts(restored)["updates.ics"].get_content())
    (event,) = calendar.vevent_list
    assert (calendar.method.value, event.status.value) == ("REQUEST", "CONFIRMED")
    assert int(event.sequence.value) == 2
    john_calendar = vobject.readOne(_ics_parts(john)["updates.ics"].get_content())
    (moved,) = john_calendar.vevent_list
    assert moved.dtstart.value.astimezone(UTC) == first.start_at == DAY
    assert moved.dtstart.value.utcoffset() == timedelta(hours=1)
    assert john_calendar.vtimezone.tzid.value == "Africa/Casablanca"
    assert [m.recipient for m in queued] == ["omar@sahara.example"]
    assert sorted(received) == ["omar@sahara.example"]
