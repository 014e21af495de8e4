"""Mission files: round trips, every kind of bad document, times, the CLI and the UI."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import event, func, select

from mission_app import scheduling
from mission_app.exporters.mission_json import render_mission_json
from mission_app.extensions import db
from mission_app.models import (
    Availability,
    Meeting,
    MeetingRequest,
    Membership,
    Mission,
    Organisation,
    Person,
)
from mission_app.services.demo import build_demo_document
from mission_app.services.errors import ValidationFailed
from mission_app.services.mission_files import (
    build_mission_document,
    import_mission_document,
    summarise_mission_contents,
)
from mission_app.services.scheduling import apply_schedule, propose_schedule
from tests import factories


def minimal_document() -> dict:
    """A small valid document: one leg, one firm, one host, one request, no meeting."""
    return {
        "format": "trade-mission/1",
        "mission": {"title": "Mission test", "organiser": "APEN", "locale": "fr"},
        "legs": [
            {
                "key": "dakar",
                "city": "Dakar",
                "country": "SN",
                "timezone": "Africa/Dakar",
                "slot_minutes": 30,
                "venues": [{"key": "dkr-hotel", "name": "Hôtel", "tables": 4}],
                "meeting_windows": [
                    {"venue": "dkr-hotel", "start": "2027-03-22T09:00", "end": "2027-03-22T12:00"}
                ],
            }
        ],
        "organisations": [
            {
                "key": "ma-atlas",
                "name": "Atlas",
                "country": "MA",
                "side": "delegation",
                "category": "ict_firm",
            },
            {
                "key": "sn-banque",
                "name": "Banque",
                "country": "SN",
                "side": "host",
                "category": "information_systems",
            },
        ],
        "people": [
            {"key": "p-1", "organisation": "ma-atlas", "name": "Karim Benali"},
            {"key": "p-2", "organisation": "sn-banque", "name": "Aminata Diop"},
        ],
        "activities": [],
        "requests": [{"key": "r-1", "delegation": "ma-atlas", "host": "sn-banque"}],
        "meetings": [],
    }


def row_counts() -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def problems_of(document: dict) -> dict[str, list[str]]:
    """The reasons an import refuses the document with, in English; asserts nothing is written."""
    before = row_counts()
    with force_locale("en"), pytest.raises(ValidationFailed) as caught:
        import_mission_document(None, document)
    db.session.rollback()
    assert row_counts() == before
    with force_locale("en"):
        return {path: [str(r) for r in reasons] for path, reasons in caught.value.errors.items()}


def export_bytes(mission: Mission) -> bytes:
    return render_mission_json(build_mission_document(mission))


def reimport(content: bytes) -> Mission:
    with force_locale("en"):
        mission = import_mission_document(None, json.loads(content))
    db.session.commit()
    return mission


@pytest.fixture
def rich_mission(mission):
    """Meetings scheduled, cancelled and locked; availability; attendees everywhere."""
    day = datetime(2027, 3, 22, 9, 0, tzinfo=UTC)
    dakar = factories.LegFactory(mission=mission, key="dakar", position=1)
    factories.LegFactory(
        mission=mission,
        key="nouakchott",
        position=2,
        city="Nouakchott",
        country="MR",
        timezone="Africa/Nouakchott",
    )
    venue = factories.VenueFactory(leg=dakar, key="dkr-hotel", tables=4)
    factories.MeetingWindowFactory(venue=venue, start_at=day, end_at=day + timedelta(hours=3))
    firm = factories.OrganisationFactory(mission=mission, key="ma-atlas", name="Atlas Logiciels")
    host = factories.OrganisationFactory(
        mission=mission, key="sn-banque", name="Banque Sahélienne", host=True
    )
    other_host = factories.OrganisationFactory(
        mission=mission, key="sn-kora", name="Kora Informatique", host=True, category="it_services"
    )
    karim = factories.PersonFactory(organisation=firm, key="karim", name="Karim Benali")
    salma = factories.PersonFactory(organisation=firm, key="salma", name="Salma El Idrissi")
    aminata = factories.PersonFactory(organisation=host, key="aminata", name="Aminata Diop")
    factories.PersonFactory(organisation=other_host, key="mamadou", name="Mamadou Cissé")
    db.session.add(
        Availability(
            person=salma, start_at=day + timedelta(hours=1), end_at=day + timedelta(days=1)
        )
    )
    activity = factories.ActivityFactory(
        mission=mission,
        key="atelier",
        leg=dakar,
        capacity=30,
        start_at=day - timedelta(hours=2),
        end_at=day - timedelta(hours=1),
    )
    activity.attendees = [salma, karim, aminata]
    first = factories.MeetingRequestFactory(
        mission=mission,
        key="r-1",
        delegation=firm,
        host=host,
        priority=1,
        requested_by="both",
        duration_slots=2,
    )
    first.attendees = [karim, aminata]
    second = factories.MeetingRequestFactory(
        mission=mission, key="r-2", delegation=firm, host=other_host, requested_by="organiser"
    )
    factories.MeetingFactory(
        request=first,
        venue=venue,
        key="m-1",
        table_number=1,
        start_at=day,
        end_at=day + timedelta(hours=1),
        locked=True,
    )
    factories.MeetingFactory(
        request=first,
        venue=venue,
        key="m-0",
        table_number=1,
        start_at=day,
        end_at=day + timedelta(minutes=30),
        status="cancelled",
    )
    factories.MeetingFactory(
        request=second,
        venue=venue,
        key="m-2",
        table_number=2,
        start_at=day + timedelta(hours=1),
        end_at=day + timedelta(hours=1, minutes=30),
    )
    db.session.commit()
    return mission


# -- round trips ---------------------------------------------------------------------------------


def test_round_trip_of_a_mission_with_meetings_gives_identical_bytes(rich_mission):
    first = export_bytes(rich_mission)
    copy_of_it = reimport(first)
    assert copy_of_it.id != rich_mission.id
    assert export_bytes(copy_of_it) == first


def test_export_writes_times_in_utc_keeps_keys_and_leaves_out_tokens(rich_mission):
    document = json.loads(export_bytes(rich_mission))
    assert document["meetings"] == [
        {
            "end": "2027-03-22T09:30:00+00:00",
            "key": "m-0",
            "locked": False,
            "request": "r-1",
            "start": "2027-03-22T09:00:00+00:00",
            "status": "cancelled",
            "table": 1,
            "venue": "dkr-hotel",
        },
        {
            "end": "2027-03-22T10:00:00+00:00",
            "key": "m-1",
            "locked": True,
            "request": "r-1",
            "start": "2027-03-22T09:00:00+00:00",
            "status": "scheduled",
            "table": 1,
            "venue": "dkr-hotel",
        },
        {
            "end": "2027-03-22T10:30:00+00:00",
            "key": "m-2",
            "locked": False,
            "request": "r-2",
            "start": "2027-03-22T10:00:00+00:00",
            "status": "scheduled",
            "table": 2,
            "venue": "dkr-hotel",
        },
    ]
    assert [r["attendees"] for r in document["requests"]] == [["karim", "aminata"], []]
    assert document["activities"][0]["attendees"] == ["karim", "salma", "aminata"]
    salma = next(p for p in document["people"] if p["key"] == "salma")
    assert salma["available"] == [
        {"start": "2027-03-22T10:00:00+00:00", "end": "2027-03-23T09:00:00+00:00"}
    ]
    tokens = db.session.scalars(select(Person.access_token)).all()
    assert all(token not in export_bytes(rich_mission).decode() for token in tokens)
    assert "access_token" not in export_bytes(rich_mission).decode()


def test_round_trip_of_the_demo_mission_gives_identical_bytes(app_ctx):
    with force_locale("en"):
        demo = import_mission_document(None, build_demo_document())
    db.session.commit()
    first = export_bytes(demo)
    assert export_bytes(reimport(first)) == first


def test_exporting_twice_gives_identical_bytes(rich_mission):
    assert export_bytes(rich_mission) == export_bytes(rich_mission)


def test_imported_people_get_new_secret_tokens(rich_mission):
    copy_of_it = reimport(export_bytes(rich_mission))
    old = set(
        db.session.scalars(select(Person.access_token).where(Person.mission_id == rich_mission.id))
    )
    new = set(
        db.session.scalars(select(Person.access_token).where(Person.mission_id == copy_of_it.id))
    )
    assert len(new) == 4
    assert not old & new


def test_build_mission_document_runs_the_same_number_of_queries_whatever_the_size(
    app_ctx, rich_mission
):
    with force_locale("en"):
        demo = import_mission_document(None, build_demo_document())
    db.session.commit()
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries_for(mission_id: int) -> list[str]:
        db.session.expire_all()
        mission = db.session.get(Mission, mission_id)
        assert mission.title  # the mission itself is loaded before counting
        statements.clear()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            build_mission_document(mission)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return list(statements)

    assert len(queries_for(demo.id)) == len(queries_for(rich_mission.id)) == 11


# -- times ---------------------------------------------------------------------------------------


def casablanca_document() -> dict:
    """Two legs in zones an hour apart in March 2027: Casablanca (UTC+1) then Dakar (UTC+0)."""
    document = minimal_document()
    document["legs"].insert(
        0,
        {
            "key": "casa",
            "city": "Casablanca",
            "country": "MA",
            "timezone": "Africa/Casablanca",
            "venues": [{"key": "casa-hotel", "name": "Hôtel", "tables": 2}],
            "meeting_windows": [
                {"venue": "casa-hotel", "start": "2027-03-18T09:00", "end": "2027-03-18T12:00"}
            ],
        },
    )
    return document


def test_naive_times_are_wall_clock_in_their_leg_and_offsets_are_taken_as_given(app_ctx):
    document = casablanca_document()
    document["legs"][0]["meeting_windows"].append(
        {"venue": "casa-hotel", "start": "2027-03-19T09:00+00:00", "end": "2027-03-19T10:00Z"}
    )
    document["activities"] = [
        {
            "key": "atelier",
            "kind": "workshop",
            "title": "Atelier",
            "leg": "casa",
            "start": "2027-03-18T14:00",
            "end": "2027-03-18T15:00",
        }
    ]
    mission = reimport(json.dumps(document).encode())
    exported = build_mission_document(mission)
    assert exported["legs"][0]["meeting_windows"] == [
        {
            "venue": "casa-hotel",
            "start": "2027-03-18T08:00:00+00:00",
            "end": "2027-03-18T11:00:00+00:00",
        },
        {
            "venue": "casa-hotel",
            "start": "2027-03-19T09:00:00+00:00",
            "end": "2027-03-19T10:00:00+00:00",
        },
    ]
    assert exported["legs"][1]["meeting_windows"][0]["start"] == "2027-03-22T09:00:00+00:00"
    assert exported["activities"][0]["start"] == "2027-03-18T13:00:00+00:00"


def test_delegation_availability_is_read_in_the_leg_of_its_day_and_hosts_in_their_leg(app_ctx):
    document = casablanca_document()
    document["people"][0]["available"] = [
        {"start": "2027-03-18T08:00", "end": "2027-03-18T18:00"},  # a Casablanca day
        {"start": "2027-03-22T08:00", "end": "2027-03-22T18:00"},  # a Dakar day
        {"start": "2027-03-30T08:00", "end": "2027-03-30T18:00"},  # no leg: the first one
    ]
    document["people"][1]["available"] = [{"start": "2027-03-18T08:00", "end": "2027-03-18T18:00"}]
    mission = reimport(json.dumps(document).encode())
    people = build_mission_document(mission)["people"]
    assert people[0]["available"] == [
        {"start": "2027-03-18T07:00:00+00:00", "end": "2027-03-18T17:00:00+00:00"},
        {"start": "2027-03-22T08:00:00+00:00", "end": "2027-03-22T18:00:00+00:00"},
        {"start": "2027-03-30T07:00:00+00:00", "end": "2027-03-30T17:00:00+00:00"},
    ]
    # A Senegalese host is read in Dakar time even on a Casablanca day.
    assert people[1]["available"] == [
        {"start": "2027-03-18T08:00:00+00:00", "end": "2027-03-18T18:00:00+00:00"}
    ]


def test_host_availability_follows_an_explicit_leg(app_ctx):
    document = casablanca_document()
    document["organisations"][1]["leg"] = "casa"
    document["people"][1]["available"] = [{"start": "2027-03-22T08:00", "end": "2027-03-22T18:00"}]
    mission = reimport(json.dumps(document).encode())
    people = build_mission_document(mission)["people"]
    assert people[1]["available"][0]["start"] == "2027-03-22T07:00:00+00:00"


def test_a_naive_time_that_the_clocks_skip_is_refused(app_ctx):
    document = minimal_document()
    document["legs"][0]["timezone"] = "Europe/Paris"
    document["legs"][0]["meeting_windows"][0] = {
        "venue": "dkr-hotel",
        "start": "2027-03-28T02:30",
        "end": "2027-03-28T05:00",
    }
    assert problems_of(document) == {
        "legs[0].meeting_windows[0].start": [
            "2027-03-28T02:30 does not exist in Europe/Paris (the clocks jump at that time)"
        ]
    }


# -- bad documents -------------------------------------------------------------------------------


def test_minimal_document_imports(app_ctx):
    mission = reimport(json.dumps(minimal_document()).encode())
    assert mission.title == "Mission test"
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_unknown_references_are_each_named_with_their_path(app_ctx):
    document = minimal_document()
    document["people"][1]["organisation"] = "sn-banqe"
    document["requests"][0]["host"] = "sn-x"
    document["requests"][0]["attendees"] = ["p-9"]
    document["organisations"][1]["leg"] = "rabat"
    document["activities"] = [
        {
            "key": "atelier",
            "kind": "workshop",
            "title": "Atelier",
            "leg": "tanger",
            "start": "2027-03-22T09:00",
            "end": "2027-03-22T10:00",
        }
    ]
    document["meetings"] = [
        {
            "key": "m-1",
            "request": "r-2",
            "venue": "nkc-hotel",
            "table": 1,
            "start": "2027-03-22T09:00:00+00:00",
            "end": "2027-03-22T09:30:00+00:00",
        }
    ]
    assert problems_of(document) == {
        "organisations[1].leg": ['unknown leg "rabat"'],
        "people[1].organisation": ['unknown organisation "sn-banqe"'],
        "activities[0].leg": ['unknown leg "tanger"'],
        "requests[0].host": ['unknown organisation "sn-x"'],
        "requests[0].attendees[0]": ['unknown person "p-9"'],
        "meetings[0].request": ['unknown request "r-2"'],
        "meetings[0].venue": ['unknown venue "nkc-hotel"'],
    }


def test_unknown_and_missing_keys_are_refused(app_ctx):
    document = minimal_document()
    document["requests"][0]["prio"] = 1
    del document["people"][0]["name"]
    document["extra"] = True
    known = "format, mission, legs, organisations, people, activities, requests, meetings"
    assert problems_of(document) == {
        "": [f'unknown key "extra" (known keys: {known})'],
        "people[0].name": ["is missing"],
        "requests[0]": [
            'unknown key "prio" (known keys: key, delegation, host, priority, requested_by, '
            "attendees, duration_slots)"
        ],
    }


def test_duplicate_keys_within_a_list_are_refused(app_ctx):
    document = minimal_document()
    document["people"].append({"key": "p-1", "organisation": "ma-atlas", "name": "Autre"})
    document["legs"][0]["venues"].append({"key": "dkr-hotel", "name": "Autre", "tables": 1})
    document["requests"].append({"key": "r-2", "delegation": "ma-atlas", "host": "sn-banque"})
    assert problems_of(document) == {
        "legs[0].venues[1].key": ['duplicate key "dkr-hotel", already used at legs[0].venues[0]'],
        "people[2].key": ['duplicate key "p-1", already used at people[0]'],
        "requests[1]": ['"ma-atlas" already asks to meet "sn-banque" at requests[0]'],
    }


def test_wrong_types_and_values_are_refused(app_ctx):
    document = minimal_document()
    document["format"] = "trade-mission/2"
    document["mission"]["locale"] = "de"
    document["legs"][0]["timezone"] = "Africa/Dakkar"
    document["legs"][0]["slot_minutes"] = "30"
    document["legs"][0]["venues"][0]["tables"] = True
    document["organisations"][0]["category"] = "it_services"
    document["organisations"][1]["country"] = "SEN"
    document["people"][0]["email"] = "karim at atlas"
    document["people"][0]["languages"] = ["fr", "fr", "es"]
    document["requests"][0]["priority"] = 4
    document["requests"][0]["duration_slots"] = 2.5
    document["activities"] = ["atelier"]
    assert problems_of(document) == {
        "format": ['must be "trade-mission/1", not "trade-mission/2": is this a mission file?'],
        "mission.locale": ['must be one of "fr", "en", "ar", not "de"'],
        "legs[0].timezone": ['"Africa/Dakkar" is not a known time zone (e.g. Africa/Dakar)'],
        "legs[0].slot_minutes": ["must be a whole number, not text"],
        "legs[0].venues[0].tables": ["must be a whole number, not true/false"],
        "organisations[0].category": [
            'a delegation firm has category "ict_firm", not "it_services"'
        ],
        "organisations[1].country": ["must be a two-letter country code such as SN"],
        "people[0].email": ['"karim at atlas" is not an e-mail address'],
        "people[0].languages[1]": ['"fr" is listed twice'],
        "people[0].languages[2]": ['must be one of "fr", "en", "ar", not "es"'],
        "activities[0]": ["must be an object {…}, not text"],
        "requests[0].priority": ["must be one of 1, 2, 3, not 4"],
        "requests[0].duration_slots": ["must be a whole number, not a number"],
    }


def test_bad_times_and_spans_are_refused(app_ctx):
    document = minimal_document()
    document["legs"][0]["meeting_windows"] = [
        {"venue": "dkr-hotel", "start": "22/03/2027 09:00", "end": "2027-03-22T12:00"},
        {"venue": "dkr-hotel", "start": "2027-03-22T12:00", "end": "2027-03-22T12:00"},
        {"venue": "dkr-hotel", "start": "2027-03-23T12:00", "end": "2027-03-23T12:20"},
        {"venue": "dkr-hotel", "start": "2027-03-24T09:00", "end": "2027-03-24T12:00"},
        {"venue": "dkr-hotel", "start": "2027-03-24T11:00", "end": "2027-03-24T13:00"},
    ]
    document["activities"] = [
        {
            "key": "visite",
            "kind": "visit",
            "title": "Visite",
            "start": "2027-03-22T15:00",
            "end": "2027-03-22T14:00+00:00",
        }
    ]
    assert problems_of(document) == {
        "legs[0].meeting_windows[0].start": [
            '"22/03/2027 09:00" is not a date and time such as 2027-03-22T09:00 '
            "or 2027-03-22T09:00:00+00:00"
        ],
        "legs[0].meeting_windows[1].end": ["must come after the start"],
        "legs[0].meeting_windows[2].end": ["the window must hold at least one slot of 30 minutes"],
        "legs[0].meeting_windows[4]": ["overlaps legs[0].meeting_windows[3] at the same venue"],
        "activities[0].kind": [
            'must be one of "workshop", "site_visit", "plenary", "social", "transfer", not "visit"'
        ],
        "activities[0].start": [
            "give this time with its offset (e.g. +00:00), or give the activity a leg"
        ],
    }


def test_activities_over_capacity_or_double_booking_people_are_refused(app_ctx):
    document = minimal_document()
    base = {"kind": "site_visit", "title": "Visite", "leg": "dakar"}
    document["activities"] = [
        {
            **base,
            "key": "a",
            "start": "2027-03-22T14:00",
            "end": "2027-03-22T16:00",
            "capacity": 1,
            "attendees": ["p-1", "p-2"],
        },
        {
            **base,
            "key": "b",
            "start": "2027-03-22T15:00",
            "end": "2027-03-22T17:00",
            "attendees": ["p-1"],
        },
    ]
    assert problems_of(document) == {
        "activities[0].attendees": ["2 attendees, more than the capacity of 1"],
        "activities[1].attendees": ['"p-1" is also at activities[0] at that time'],
    }


def test_requests_with_wrong_sides_or_foreign_attendees_are_refused(app_ctx):
    document = minimal_document()
    document["organisations"].append(
        {
            "key": "sn-kora",
            "name": "Kora",
            "country": "SN",
            "side": "host",
            "category": "it_services",
        }
    )
    document["people"].append({"key": "p-3", "organisation": "sn-kora", "name": "Mamadou"})
    document["requests"] = [
        {"key": "r-1", "delegation": "sn-banque", "host": "ma-atlas"},
        {"key": "r-2", "delegation": "ma-atlas", "host": "sn-banque", "attendees": ["p-1", "p-3"]},
    ]
    assert problems_of(document) == {
        "requests[0].delegation": ['"sn-banque" is a host, not a delegation firm'],
        "requests[0].host": ['"ma-atlas" is a delegation firm, not a host'],
        "requests[1].attendees": ['"p-3" belongs to neither organisation of this request'],
    }


def meeting(key: str, start: str, end: str, table: int = 1, **fields) -> dict:
    return {
        "key": key,
        "request": "r-1",
        "venue": "dkr-hotel",
        "table": table,
        "start": start,
        "end": end,
        **fields,
    }


def test_meetings_breaking_database_rules_are_refused(app_ctx):
    document = minimal_document()
    document["requests"].append({"key": "r-2", "delegation": "ma-atlas", "host": "sn-banque"})
    document["meetings"] = [
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T09:30"),
        meeting("m-2", "2027-03-22T09:00", "2027-03-22T09:30", table=5),
        meeting("m-3", "2027-03-22T09:00", "2027-03-22T09:30", status="cancelled"),
        meeting("m-4", "2027-03-22T09:15", "2027-03-22T09:45", table=1, request="r-2"),
        meeting("m-5", "2027-03-22T10:00", "2027-03-22T09:30", table=3, locked="yes"),
    ]
    problems = problems_of(document)
    assert problems == {
        "requests[1]": ['"ma-atlas" already asks to meet "sn-banque" at requests[0]'],
        "meetings[1].table": ['venue "dkr-hotel" has 4 tables: there is no table 5'],
        "meetings[4].locked": ["must be true or false, not text"],
        "meetings[4].end": ["must come after the start"],
        "meetings[1]": ['request "r-1" already has a scheduled meeting, meetings[0]'],
        "meetings[3]": ["this table already holds meetings[0] at that time"],
        "meetings[4]": ['request "r-1" already has a scheduled meeting, meetings[0]'],
    }


def test_a_cancelled_meeting_may_share_its_table_and_request(app_ctx):
    document = minimal_document()
    document["meetings"] = [
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T09:30"),
        meeting("m-2", "2027-03-22T09:00", "2027-03-22T09:30", status="cancelled", locked=True),
    ]
    mission = reimport(json.dumps(document).encode())
    statuses = db.session.scalars(
        select(Meeting.status).where(Meeting.mission_id == mission.id).order_by(Meeting.key)
    ).all()
    assert statuses == ["scheduled", "cancelled"]


def test_a_huge_broken_document_reports_the_first_problems_and_counts_the_rest(app_ctx):
    document = minimal_document()
    document["people"] = [{"key": f"p-{n}", "organisation": "x", "name": "X"} for n in range(250)]
    problems = problems_of(document)
    assert sum(len(r) for r in problems.values()) == 201
    assert problems[""] == ["… and 50 more problems, not listed. Fix these first."]


# -- the CLI -------------------------------------------------------------------------------------


def test_cli_import_prints_the_new_mission_id_last(app_ctx, tmp_path):
    path = tmp_path / "mission.json"
    path.write_text(json.dumps(minimal_document()), encoding="utf-8")
    result = app_ctx.test_cli_runner().invoke(args=["mission", "import", str(path)])
    assert result.exit_code == 0, result.output
    mission_id = int(result.stdout.splitlines()[-1])
    assert db.session.get(Mission, mission_id).title == "Mission test"


def test_cli_import_with_owner_makes_them_owner(app_ctx, tmp_path):
    user = factories.UserFactory(email="owner@example.org")
    db.session.commit()
    path = tmp_path / "mission.json"
    path.write_text(json.dumps(minimal_document()), encoding="utf-8")
    result = app_ctx.test_cli_runner().invoke(
        args=["mission", "import", str(path), "--owner", "Owner@Example.org"]
    )
    mission_id = int(result.stdout.splitlines()[-1])
    membership = db.session.scalar(select(Membership).where(Membership.mission_id == mission_id))
    assert (membership.user_id, membership.role) == (user.id, "owner")


def test_cli_import_of_a_bad_file_prints_every_reason_and_writes_nothing(app_ctx, tmp_path):
    document = minimal_document()
    document["people"][0]["organisation"] = "ma-atlass"
    document["requests"][0]["prio"] = 1
    path = tmp_path / "mission.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    before = row_counts()
    result = app_ctx.test_cli_runner().invoke(args=["mission", "import", str(path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: people[0].organisation: organisation inconnue « ma-atlass »",
        "error: requests[0]: clé inconnue « prio » (clés connues : key, delegation, host, "
        "priority, requested_by, attendees, duration_slots)",
    ]
    assert result.stdout == ""
    assert row_counts() == before


def test_cli_export_writes_the_same_bytes_as_the_download(rich_mission, tmp_path):
    target = tmp_path / "out.json"
    runner = current_app.test_cli_runner()
    result = runner.invoke(args=["mission", "export", str(rich_mission.id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == export_bytes(rich_mission)
    to_stdout = runner.invoke(args=["mission", "export", str(rich_mission.id)])
    assert to_stdout.stdout_bytes == export_bytes(rich_mission)


def test_cli_export_of_an_unknown_mission_fails(app_ctx):
    result = app_ctx.test_cli_runner().invoke(args=["mission", "export", "999"])
    assert result.exit_code == 1
    assert result.stderr == "error: MISSION_ID: no mission 999\n"


# -- the UI --------------------------------------------------------------------------------------


def test_files_page_shows_the_download_and_what_the_file_holds(logged_in, rich_mission):
    page = logged_in.get(f"/missions/{rich_mission.id}/files")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/missions/{rich_mission.id}/files/mission.json"' in text
    assert "<dt>Rendez-vous</dt><dd>3</dd>" in text
    assert 'href="/missions/import"' in text


def test_viewer_may_download_the_mission_file(client, viewer, rich_mission):
    client.login(viewer.email)
    response = client.get(f"/missions/{rich_mission.id}/files/mission.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename=mission-mission-tic-n{rich_mission.title.rsplit('°', 1)[1]}.json"
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert response.data == export_bytes(rich_mission)


def test_organiser_of_another_mission_gets_404_on_files(other_client, rich_mission):
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="owner")
    db.session.commit()
    other_client.login(stranger.email)
    assert other_client.get(f"/missions/{rich_mission.id}/files").status_code == 404
    assert other_client.get(f"/missions/{rich_mission.id}/files/mission.json").status_code == 404


def test_files_pages_need_a_login(client, rich_mission):
    response = client.get(f"/missions/{rich_mission.id}/files/mission.json")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def upload(client, content: bytes, filename: str = "mission.json"):
    return client.post_form("/missions/import", {"file": (io.BytesIO(content), filename)})


def test_upload_creates_a_mission_owned_by_the_uploader_even_a_viewer(client, viewer, rich_mission):
    client.login(viewer.email)
    response = upload(client, export_bytes(rich_mission))
    assert response.status_code == 302
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != rich_mission.id
    membership = db.session.scalar(select(Membership).where(Membership.mission_id == new_id))
    assert (membership.user_id, membership.role) == (viewer.id, "owner")
    assert export_bytes(db.session.get(Mission, new_id)) == export_bytes(rich_mission)


def test_upload_of_a_bad_document_lists_each_problem_and_writes_nothing(logged_in, mission):
    document = minimal_document()
    document["people"][1]["organisation"] = "ma-atlass"
    document["legs"][0]["timezone"] = "Afrique/Dakar"
    before = row_counts()
    response = upload(logged_in, json.dumps(document).encode())
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "Le fichier a 2 problèmes. Rien n’a été importé." in text
    assert (
        "<li><code>people[1].organisation</code> : organisation inconnue « ma-atlass »</li>" in text
    )
    assert (
        "<li><code>legs[0].timezone</code> : &#34;Afrique/Dakar&#34; n’est pas un fuseau horaire "
        "connu (par exemple Africa/Dakar)</li>" in text
    )
    assert row_counts() == before


def test_upload_of_invalid_json_says_where(logged_in):
    response = upload(logged_in, b'{"format": "trade-mission/1",\n "legs": [,]}')
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        "<li>Le fichier n’est pas du JSON valide : une valeur est attendue ici "
        "(ligne 2, colonne 11).</li>" in text
    )
    assert db.session.scalar(select(func.count(Mission.id))) == 1


def test_upload_not_in_utf8_says_so(logged_in):
    response = upload(logged_in, '{"mission": {"title": "Sénégal"}}'.encode("cp1252"))
    assert "pas en UTF-8 (ligne 1, colonne 25)" in response.get_data(as_text=True)


@pytest.mark.parametrize(("limit", "said"), [(1024 * 1024, "1"), (3 * 512 * 1024, "1,5")])
def test_upload_over_the_size_limit_is_refused(logged_in, app_ctx, monkeypatch, limit, said):
    monkeypatch.setitem(app_ctx.config, "MAX_UPLOAD_BYTES", limit)
    response = upload(logged_in, b" " * (limit + 10))
    assert response.status_code == 200
    assert f"dépasse la limite de {said} Mo" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Mission.id))) == 1


def test_upload_without_a_file_or_with_a_spreadsheet_is_refused(logged_in):
    response = logged_in.post_form("/missions/import", {})
    assert "Choisissez un fichier de mission à importer." in response.get_data(as_text=True)
    response = upload(logged_in, b"PK\x03\x04", filename="participants.xlsx")
    assert "Un fichier de mission se termine par .json." in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Mission.id))) == 1


def test_import_page_and_mission_list_link_to_each_other(logged_in):
    assert 'href="/missions/import"' in logged_in.get("/missions/").get_data(as_text=True)
    page = logged_in.get("/missions/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.get_data(as_text=True)


def test_import_without_csrf_token_is_refused(logged_in):
    response = logged_in.post(
        "/missions/import",
        data={"file": (io.BytesIO(json.dumps(minimal_document()).encode()), "m.json")},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Mission.id))) == 1


def test_imported_request_and_organisation_counts_match_the_file(app_ctx):
    mission = reimport(json.dumps(minimal_document()).encode())
    assert (
        db.session.scalar(
            select(func.count(Organisation.id)).where(Organisation.mission_id == mission.id)
        )
        == 2
    )
    assert (
        db.session.scalar(
            select(func.count(MeetingRequest.id)).where(MeetingRequest.mission_id == mission.id)
        )
        == 1
    )


# -- the schedule, as find_conflicts checks it --------------------------------------------------


def scheduled_document() -> dict:
    """minimal_document with a second host, Kora (Mamadou), and its request r-2."""
    document = minimal_document()
    document["organisations"].append(
        {
            "key": "sn-kora",
            "name": "Kora",
            "country": "SN",
            "side": "host",
            "category": "it_services",
        }
    )
    document["people"].append({"key": "p-3", "organisation": "sn-kora", "name": "Mamadou Cissé"})
    document["requests"].append({"key": "r-2", "delegation": "ma-atlas", "host": "sn-kora"})
    return document


def test_meetings_outside_the_meeting_windows_are_refused(app_ctx):
    document = scheduled_document()
    document["requests"][1]["duration_slots"] = 2
    document["meetings"] = [
        meeting("m-1", "2027-03-22T14:00", "2027-03-22T14:30"),
        meeting("m-2", "2027-03-22T11:30", "2027-03-22T12:30", request="r-2"),
    ]
    assert problems_of(document) == {
        "meetings[0]": [
            "starts at 2027-03-22 14:00 (Africa/Dakar), which is not the start of a slot of a "
            'meeting window at venue "dkr-hotel"'
        ],
        "meetings[1]": [
            "ends at 2027-03-22 12:30, after the end of its meeting window at 12:00 (Africa/Dakar)"
        ],
    }


def test_meetings_off_the_slots_or_of_the_wrong_length_are_refused(app_ctx):
    document = scheduled_document()
    document["meetings"] = [
        meeting("m-1", "2027-03-22T09:10", "2027-03-22T09:40"),
        meeting("m-2", "2027-03-22T10:00", "2027-03-22T11:00", request="r-2"),
    ]
    assert problems_of(document) == {
        "meetings[0]": [
            "starts at 2027-03-22 09:10 (Africa/Dakar), which is not the start of a slot of a "
            'meeting window at venue "dkr-hotel"'
        ],
        "meetings[1].end": [
            'request "r-2" lasts 30 minutes: the meeting should end at 10:30 (Africa/Dakar), '
            "not 11:00"
        ],
    }


def test_a_meeting_at_a_venue_of_another_leg_than_its_host_is_refused(app_ctx):
    document = scheduled_document()
    document["legs"].append(
        {
            "key": "nouakchott",
            "city": "Nouakchott",
            "country": "MR",
            "timezone": "Africa/Nouakchott",
            "venues": [{"key": "nkc-hotel", "name": "Hôtel Azalaï", "tables": 2}],
            "meeting_windows": [
                {"venue": "nkc-hotel", "start": "2027-03-24T09:00", "end": "2027-03-24T12:00"}
            ],
        }
    )
    document["organisations"][2]["leg"] = "nouakchott"  # Kora meets in Nouakchott
    document["meetings"] = [
        # On a slot of Dakar, and at no slot of Nouakchott at all: the leg is wrong either way.
        meeting("m-2", "2027-03-22T10:00", "2027-03-22T10:30", request="r-2"),
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T09:30", venue="nkc-hotel"),
    ]
    assert problems_of(document) == {
        "meetings[0]": ['Kora meets in Nouakchott, but venue "dkr-hotel" is in Dakar'],
        "meetings[1]": ['Banque meets in Dakar, but venue "nkc-hotel" is in Nouakchott'],
    }


def test_a_meeting_of_a_host_without_a_leg_is_refused(app_ctx):
    document = scheduled_document()
    document["organisations"][1]["country"] = "ML"
    document["meetings"] = [meeting("m-1", "2027-03-22T09:00", "2027-03-22T09:30")]
    assert problems_of(document) == {
        "meetings[0]": ["Banque meets in no leg: no leg is in its country (ML) and it names none"]
    }


def test_a_person_in_two_meetings_at_once_is_refused(app_ctx):
    document = scheduled_document()
    document["requests"][0]["duration_slots"] = 2
    document["meetings"] = [
        meeting("m-2", "2027-03-22T09:30", "2027-03-22T10:00", table=2, request="r-2"),
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T10:00"),
    ]
    assert problems_of(document) == {
        "meetings[0]": [
            "Karim Benali (Atlas) is also at meetings[1] (Atlas – Banque), "
            "2027-03-22 09:00–10:00 (Africa/Dakar)"
        ]
    }


def test_a_person_in_a_meeting_during_an_activity_they_attend_is_refused(app_ctx):
    document = scheduled_document()
    document["activities"] = [
        {
            "key": "atelier",
            "kind": "workshop",
            "title": "Atelier marché TIC",
            "leg": "dakar",
            "start": "2027-03-22T09:00",
            "end": "2027-03-22T10:00",
            "attendees": ["p-2", "p-3"],
        }
    ]
    document["requests"][0]["attendees"] = ["p-1"]  # without Aminata, r-1 is free at 9:00
    document["meetings"] = [
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T09:30"),
        meeting("m-2", "2027-03-22T09:30", "2027-03-22T10:00", table=2, request="r-2"),
    ]
    assert problems_of(document) == {
        "meetings[1]": [
            'Mamadou Cissé (Kora) attends activities[0], "Atelier marché TIC", '
            "2027-03-22 09:00–10:00 (Africa/Dakar)"
        ]
    }


def test_a_person_in_a_meeting_while_unavailable_is_refused(app_ctx):
    document = scheduled_document()
    document["people"][0]["available"] = [{"start": "2027-03-22T10:00", "end": "2027-03-22T12:00"}]
    document["requests"][1]["duration_slots"] = 3
    document["meetings"] = [
        meeting("m-1", "2027-03-22T10:00", "2027-03-22T10:30"),
        meeting("m-2", "2027-03-22T09:00", "2027-03-22T10:30", table=2, request="r-2"),
    ]
    assert problems_of(document) == {
        "meetings[0]": [
            "Karim Benali (Atlas) is also at meetings[1] (Atlas – Kora), "
            "2027-03-22 09:00–10:30 (Africa/Dakar)"
        ],
        "meetings[1]": [
            "Karim Benali (Atlas) is not available at that time "
            "(2027-03-22 09:00–10:00, Africa/Dakar): see people[0].available"
        ],
    }


def test_cancelled_meetings_are_not_checked_against_the_schedule_rules(app_ctx):
    document = scheduled_document()
    document["people"][0]["available"] = [{"start": "2027-03-22T10:00", "end": "2027-03-22T12:00"}]
    document["meetings"] = [
        meeting("m-1", "2027-03-22T10:00", "2027-03-22T10:30"),
        meeting("m-0", "2027-03-22T09:10", "2027-03-22T09:20", status="cancelled"),
        meeting(
            "m-2",
            "2027-03-22T10:00",
            "2027-03-22T10:30",
            table=2,
            request="r-2",
            status="cancelled",
        ),
    ]
    mission = reimport(json.dumps(document).encode())
    assert summarise_mission_contents(mission)["meetings"] == 3


def test_round_trip_of_the_scheduled_demo_mission_gives_identical_bytes(app_ctx, organiser):
    with force_locale("en"):
        demo = import_mission_document(None, build_demo_document())
    proposal = propose_schedule(
        organiser, demo, scheduling.SolveOptions(time_limit_s=10, workers=1)
    )
    apply_schedule(organiser, demo, list(proposal.solution.assignments))
    db.session.commit()
    first = export_bytes(demo)
    assert len(json.loads(first)["meetings"]) == len(proposal.solution.assignments) > 200
    copy_of_it = reimport(first)
    assert export_bytes(copy_of_it) == first
