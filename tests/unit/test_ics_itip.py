"""Calendars sent by e-mail (RFC 5546): METHOD, ORGANIZER and ATTENDEE, read back by vobject."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import vobject

from mission_app.exporters.ics import ItipParties, agenda_calendar
from mission_app.services.agendas import Agenda, AgendaEntry, LegInfo

START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
PARTIES = ItipParties(
    "Agence; export", "missions@agence.example", "Amina Alaoui", "amina@a.example"
)


def _agenda(status: str = "scheduled") -> Agenda:
    entry = AgendaEntry(
        uid="meeting-7.mission-1@trade-mission-manager",
        kind="meeting",
        title="Banque de Dakar",
        start=START,
        end=START + timedelta(minutes=30),
        zone="Africa/Dakar",
        city="Dakar",
        location="Hôtel Terrou-Bi",
        address="",
        table=2,
        status=status,
        sequence=3,
        counterpart="Banque de Dakar",
    )
    legs = (LegInfo("Dakar", "SN", "Africa/Dakar"),)
    return Agenda(1, "Mission TIC", "Agence", "Amina Alaoui", "Atlas", "fr", legs, (entry,))


def test_request_calendar_names_method_organizer_and_attendee():
    exported = agenda_calendar(
        _agenda(), calendar_name="Mission", method="REQUEST", parties=PARTIES
    )

    calendar = vobject.readOne(exported.content.decode())
    (event,) = calendar.vevent_list
    assert calendar.method.value == "REQUEST"
    assert event.organizer.value == "mailto:missions@agence.example"
    assert event.organizer.params["CN"] == ["Agence; export"]
    assert event.attendee.value == "mailto:amina@a.example"
    assert event.attendee.params["ROLE"] == ["REQ-PARTICIPANT"]
    assert event.attendee.params["RSVP"] == ["FALSE"]
    assert (event.sequence.value, event.dtstart.value.astimezone(UTC)) == ("3", START)


def test_cancel_calendar_keeps_uid_and_says_cancelled():
    exported = agenda_calendar(
        _agenda("cancelled"), calendar_name="Mission", method="CANCEL", parties=PARTIES
    )

    calendar = vobject.readOne(exported.content.decode())
    (event,) = calendar.vevent_list
    assert calendar.method.value == "CANCEL"
    assert event.uid.value == "meeting-7.mission-1@trade-mission-manager"
    assert event.status.value == "CANCELLED"


def test_feed_without_method_has_no_organizer_or_attendee():
    content = agenda_calendar(_agenda(), calendar_name="Mission").content

    assert b"METHOD:" not in content
    assert b"ORGANIZER" not in content
    assert b"ATTENDEE" not in content
