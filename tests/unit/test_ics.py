"""The .ics exporter on hand-made agendas, read back by vobject and by libical."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import vobject

from mission_app.exporters.ics import agenda_calendar, calendar_name_for, content_etag
from mission_app.services.agendas import Agenda, AgendaEntry, LegInfo, PersonRef
from tests.libical_check import read_with_libical

CASABLANCA = "Africa/Casablanca"
# Morocco is on UTC+0 from 2026-02-15 03:00 to 2026-03-22 02:00 (local times), else on UTC+1.
IN_RAMADAN = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # 10:00 in Casablanca
AFTER_RAMADAN = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)  # 10:00 in Casablanca
TRICKY_ADDRESS = "12, boulevard d'Anfa; 3e étage\nCasablanca"
TRICKY_DESCRIPTION = "Opérateur; télécoms, data\nligne 2 — «cloud»"


def _meeting(uid: str, start: datetime, **changes) -> AgendaEntry:
    values = dict(
        uid=uid,
        kind="meeting",
        title="Maroc Télécom",
        start=start,
        end=start + timedelta(minutes=30),
        zone=CASABLANCA,
        city="Casablanca",
        location="Hyatt Regency",
        address=TRICKY_ADDRESS,
        table=3,
        counterpart="Maroc Télécom",
        counterpart_category="operator",
        counterpart_description=TRICKY_DESCRIPTION,
        counterpart_people=(PersonRef("Karim Benali", "DSI, adjoint", "Maroc Télécom"),),
        own_people=(PersonRef("سلمى العلوي", "مديرة", "Atlas; Digital"),),
    )
    values.update(changes)
    return AgendaEntry(**values)


def _agenda(*entries: AgendaEntry, locale: str = "fr") -> Agenda:
    return Agenda(
        mission_id=1,
        mission_title="Mission TIC, Dakar; Nouakchott",
        organiser="Agence",
        holder="Salma",
        holder_organisation="Atlas",
        locale=locale,
        legs=(LegInfo("Casablanca", "MA", CASABLANCA),),
        entries=entries,
    )


def _two_meetings(**changes) -> Agenda:
    return _agenda(
        _meeting("meeting-1.mission-1@test", IN_RAMADAN),
        _meeting("meeting-2.mission-1@test", AFTER_RAMADAN, **changes),
    )


def _ics(agenda: Agenda, **kwargs) -> bytes:
    kwargs.setdefault("calendar_name", "Mission — Salma")
    return agenda_calendar(agenda, **kwargs).content


def test_calendar_carries_name_refresh_interval_and_source(app_ctx):
    content = _ics(
        _two_meetings(), calendar_name="Mission, 2026", feed_url="https://x.test/p/t/agenda.ics"
    )
    text = content.decode()
    assert "\r\nVERSION:2.0\r\n" in text
    assert "\r\nPRODID:-//Trade Mission Manager//Agendas 1.0//EN\r\n" in text
    assert "\r\nNAME:Mission\\, 2026\r\n" in text
    assert "\r\nX-WR-CALNAME:Mission\\, 2026\r\n" in text
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in text
    assert "\r\nX-PUBLISHED-TTL:PT1H\r\n" in text
    assert "\r\nSOURCE;VALUE=URI:https://x.test/p/t/agenda.ics\r\n" in text


def test_refresh_interval_follows_the_argument(app_ctx):
    text = _ics(_two_meetings(), refresh_minutes=15).decode()
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in text
    assert "SOURCE" not in text


def test_events_read_back_by_vobject_keep_utc_times_inside_and_outside_ramadan(app_ctx):
    content = _ics(_two_meetings())
    # Same wall-clock time in Casablanca, different offsets: the VTIMEZONE knows about Ramadan.
    assert b"\r\nDTSTART;TZID=Africa/Casablanca:20260303T100000\r\n" in content
    assert b"\r\nDTSTART;TZID=Africa/Casablanca:20260505T100000\r\n" in content
    calendar = vobject.readOne(content.decode())
    events = {e.uid.value: e for e in calendar.vevent_list}
    ramadan = events["meeting-1.mission-1@test"]
    spring = events["meeting-2.mission-1@test"]
    assert ramadan.dtstart.value.astimezone(UTC) == IN_RAMADAN
    assert ramadan.dtend.value.astimezone(UTC) == IN_RAMADAN + timedelta(minutes=30)
    assert spring.dtstart.value.astimezone(UTC) == AFTER_RAMADAN
    assert spring.dtend.value.astimezone(UTC) == AFTER_RAMADAN + timedelta(minutes=30)


def test_events_read_back_by_libical_keep_utc_times_inside_and_outside_ramadan(app_ctx):
    parsed = read_with_libical(_ics(_two_meetings()))
    assert parsed["timezones"] == [CASABLANCA]
    assert [
        (e["uid"], e["start"], e["end"], e["tzid"], e["zone_from_file"]) for e in parsed["events"]
    ] == [
        (
            "meeting-1.mission-1@test",
            "2026-03-03T10:00:00Z",
            "2026-03-03T10:30:00Z",
            CASABLANCA,
            True,
        ),
        (
            "meeting-2.mission-1@test",
            "2026-05-05T09:00:00Z",
            "2026-05-05T09:30:00Z",
            CASABLANCA,
            True,
        ),
    ]


def test_vtimezone_gives_the_tz_database_offset_for_every_local_time_of_the_year(app_ctx):
    calendar = vobject.readOne(_ics(_two_meetings()).decode())
    written = calendar.vtimezone.gettzinfo()
    truth = ZoneInfo(CASABLANCA)
    wall = datetime(2026, 1, 1)
    checked = 0
    while wall < datetime(2027, 1, 1):
        offsets = {wall.replace(tzinfo=truth, fold=fold).utcoffset() for fold in (0, 1)}
        if len(offsets) == 1:  # skip the hour that happens twice or never at each change
            assert wall.replace(tzinfo=written).utcoffset() == offsets.pop(), wall
            checked += 1
        wall += timedelta(minutes=30)
    assert checked == 365 * 48 - 4


def test_vtimezone_lists_each_change_with_its_onset_in_the_old_offset(app_ctx):
    text = _ics(_two_meetings()).decode()
    vtimezone = text[text.index("BEGIN:VTIMEZONE") : text.index("END:VTIMEZONE")]
    observances = re.findall(
        r"BEGIN:(STANDARD|DAYLIGHT)\r\nDTSTART:(\d{8}T\d{6})\r\n.*?"
        r"TZOFFSETFROM:([+-]\d{4})\r\nTZOFFSETTO:([+-]\d{4})",
        vtimezone,
        re.DOTALL,
    )
    assert observances == [
        ("STANDARD", "20260101T000000", "+0100", "+0100"),
        ("DAYLIGHT", "20260215T030000", "+0100", "+0000"),
        ("STANDARD", "20260322T020000", "+0000", "+0100"),
    ]


def test_text_with_commas_semicolons_newlines_accents_and_arabic_survives(app_ctx):
    for parsed in (vobject.readOne(_ics(_two_meetings()).decode()).vevent_list[0],):
        assert parsed.location.value == (
            "Hyatt Regency (table 3), 12, boulevard d'Anfa; 3e étage, Casablanca"
        )
        description = parsed.description.value
        assert TRICKY_DESCRIPTION in description
        assert "- Karim Benali, DSI, adjoint" in description
        assert "- سلمى العلوي, مديرة, Atlas; Digital" in description
    (event, _) = read_with_libical(_ics(_two_meetings()))["events"]
    assert event["location"] == (
        "Hyatt Regency (table 3), 12, boulevard d'Anfa; 3e étage, Casablanca"
    )
    assert TRICKY_DESCRIPTION in event["description"]
    assert "- سلمى العلوي, مديرة, Atlas; Digital" in event["description"]


def test_meeting_description_names_the_counterpart_their_people_and_ours(app_ctx):
    (event, _) = vobject.readOne(_ics(_two_meetings()).decode()).vevent_list
    assert event.description.value == "\n".join(
        [
            "Rendez-vous avec Maroc Télécom (Opérateur TIC)",
            TRICKY_DESCRIPTION,
            "",
            "Leurs participants :",
            "- Karim Benali, DSI, adjoint",
            "",
            "Nos participants :",
            "- سلمى العلوي, مديرة, Atlas; Digital",
            "",
            "Heure locale à Casablanca : mardi 3 mars 2026, 10:00–10:30",
            "Mission TIC, Dakar; Nouakchott",
        ]
    )


@pytest.mark.parametrize(
    ("locale", "summary"),
    [
        ("fr", "Rendez-vous B2B : Maroc Télécom"),
        ("en", "B2B meeting: Maroc Télécom"),
        ("ar", "لقاء أعمال ثنائي: Maroc Télécom"),
    ],
)
def test_summary_speaks_the_agenda_language(app_ctx, locale, summary):
    agenda = _agenda(_meeting("meeting-1.mission-1@test", IN_RAMADAN), locale=locale)
    (event,) = vobject.readOne(_ics(agenda).decode()).vevent_list
    assert event.summary.value == summary


def test_cancelled_meeting_stays_with_status_sequence_and_a_clear_title(app_ctx):
    agenda = _two_meetings(status="cancelled", sequence=3)
    _, cancelled = vobject.readOne(_ics(agenda).decode()).vevent_list
    assert cancelled.status.value == "CANCELLED"
    assert cancelled.sequence.value == "3"
    assert cancelled.transp.value == "TRANSPARENT"
    assert cancelled.summary.value == "Annulé : Rendez-vous B2B : Maroc Télécom"
    assert cancelled.description.value.startswith("Ce rendez-vous est annulé.\n")
    _, libical_cancelled = read_with_libical(_ics(agenda))["events"]
    assert (libical_cancelled["status"], libical_cancelled["sequence"]) == ("CANCELLED", 3)


def test_event_without_a_leg_is_written_in_utc_without_vtimezone(app_ctx):
    activity = AgendaEntry(
        uid="activity-9.mission-1@test",
        kind="transfer",
        title="Vol Casablanca → Dakar",
        start=datetime(2026, 5, 11, 14, 0, tzinfo=UTC),
        end=datetime(2026, 5, 11, 17, 0, tzinfo=UTC),
        zone="UTC",
        city="",
        location="",
        address="",
    )
    text = _ics(_agenda(activity)).decode()
    assert "\r\nDTSTART:20260511T140000Z\r\n" in text
    assert "VTIMEZONE" not in text
    assert "LOCATION" not in text
    (event,) = read_with_libical(text.encode())["events"]
    assert (event["start"], event["summary"]) == ("2026-05-11T14:00:00Z", "Vol Casablanca → Dakar")


def test_zone_without_offset_changes_still_gets_a_tzid_and_a_vtimezone(app_ctx):
    dakar = _meeting("meeting-3.mission-1@test", AFTER_RAMADAN, zone="Africa/Dakar", city="Dakar")
    text = _ics(_agenda(dakar)).decode()
    assert "\r\nDTSTART;TZID=Africa/Dakar:20260505T090000\r\n" in text
    assert read_with_libical(text.encode())["timezones"] == ["Africa/Dakar"]


def test_empty_agenda_is_a_valid_calendar(app_ctx):
    parsed = read_with_libical(_ics(_agenda()))
    assert parsed == {"timezones": [], "events": []}


def test_etag_ignores_dtstamp_and_follows_any_visible_change(app_ctx):
    first = _ics(_two_meetings())
    again = first.replace(b"DTSTAMP:2", b"DTSTAMP:1", 1)
    assert again != first
    assert content_etag(again) == content_etag(first)
    assert content_etag(_ics(_two_meetings())) == content_etag(first)
    assert content_etag(_ics(_two_meetings(sequence=1))) != content_etag(first)
    assert content_etag(_ics(_two_meetings(table=4))) != content_etag(first)


def test_calendar_names_speak_the_agenda_language(app_ctx):
    agenda = _agenda(locale="fr")
    assert calendar_name_for(agenda, "person") == "Mission TIC, Dakar; Nouakchott — Salma"
    assert calendar_name_for(agenda, "programme") == (
        "Mission TIC, Dakar; Nouakchott — programme public"
    )
    assert calendar_name_for(_agenda(locale="en"), "programme") == (
        "Mission TIC, Dakar; Nouakchott — public programme"
    )


def test_file_name_is_a_safe_slug(app_ctx):
    exported = agenda_calendar(_agenda(), calendar_name="Mission TIC — Salma El Alaoui")
    assert exported.filename == "mission-tic-salma-el-alaoui.ics"
    assert exported.content_type == "text/calendar; charset=utf-8"


def test_arabic_description_keeps_times_left_to_right(app_ctx):
    agenda = _agenda(_meeting("meeting-1.mission-1@test", IN_RAMADAN), locale="ar")
    (event,) = vobject.readOne(_ics(agenda).decode()).vevent_list
    assert event.description.value.splitlines()[0] == "لقاء مع Maroc Télécom (مشغّل اتصالات)"
    assert "\u206610:00–10:30\u2069" in event.description.value
    assert event.location.value.startswith("Hyatt Regency (الطاولة 3), ")


def test_activity_description_names_its_kind_and_who_attends(app_ctx):
    workshop = AgendaEntry(
        uid="activity-4.mission-1@test",
        kind="site_visit",
        title="Visite du datacenter",
        start=IN_RAMADAN,
        end=IN_RAMADAN + timedelta(hours=2),
        zone=CASABLANCA,
        city="Casablanca",
        location="Technopark",
        address="Route de Nouaceur",
        own_people=(PersonRef("Salma", "CEO", "Atlas"),),
    )
    (event,) = vobject.readOne(_ics(_agenda(workshop)).decode()).vevent_list
    assert event.summary.value == "Visite du datacenter"
    assert event.categories.value == ["Visite de site"]
    assert event.location.value == "Technopark, Route de Nouaceur, Casablanca"
    assert event.description.value == "\n".join(
        [
            "Visite de site",
            "",
            "Participants :",
            "- Salma, CEO, Atlas",
            "",
            "Heure locale à Casablanca : mardi 3 mars 2026, 10:00–12:00",
            "Mission TIC, Dakar; Nouakchott",
        ]
    )
