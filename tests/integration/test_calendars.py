"""Calendar feeds and downloads: read back by vobject, libical and a Radicale CalDAV server,
and compared with the database."""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import vobject
from sqlalchemy import select

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Meeting
from mission_app.services.portal import reissue_link, revoke_link
from mission_app.services.scheduling import apply_schedule, build_problem
from tests import factories
from tests.libical_check import read_with_libical

# Morocco is on UTC+0 from 2026-02-15 to 2026-03-22, else on UTC+1.
IN_RAMADAN = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)  # 10:00 in Casablanca
AFTER_RAMADAN = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)  # 10:00 in Casablanca
IN_DAKAR = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # 09:00 in Dakar
HALF_HOUR = timedelta(minutes=30)


def _mission_in_two_zones(mission):
    """Salma (Atlas) meets two hosts in Casablanca, during and after Ramadan, and one in Dakar
    (cancelled after the first version); she attends a workshop. Another firm has a meeting she
    must not see. Published twice: participants see the published schedule only."""
    casablanca = factories.LegFactory(
        mission=mission, city="Casablanca", country="MA", timezone="Africa/Casablanca"
    )
    dakar = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    hyatt = factories.VenueFactory(
        leg=casablanca, name="Hyatt Regency", address="Place des Nations Unies; Casablanca"
    )
    terrou_bi = factories.VenueFactory(leg=dakar, name="Hôtel Terrou-Bi")
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas, Digital")
    salma = factories.PersonFactory(organisation=atlas, name="Salma El Alaoui")
    factories.PersonFactory(organisation=atlas, name="Youssef Tazi")
    other_firm = factories.OrganisationFactory(mission=mission, name="Other firm")
    meetings = {}
    for key, host_name, venue, start, status, sequence in (
        ("ramadan", "Maroc Télécom", hyatt, IN_RAMADAN, "scheduled", 0),
        ("spring", "Banque; Populaire", hyatt, AFTER_RAMADAN, "scheduled", 1),
        ("dakar", "Sonatel", terrou_bi, IN_DAKAR, "scheduled", 1),
    ):
        host = factories.OrganisationFactory(
            mission=mission, name=host_name, host=True, description="Opérateur, télécoms"
        )
        factories.PersonFactory(organisation=host, name=f"DSI de {host_name}", position="DSI")
        request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
        meetings[key] = factories.MeetingFactory(
            request=request,
            venue=venue,
            table_number=2,
            start_at=start,
            end_at=start + HALF_HOUR,
            status=status,
            sequence=sequence,
        )
    not_hers = factories.MeetingRequestFactory(mission=mission, delegation=other_firm)
    meetings["not_hers"] = factories.MeetingFactory(request=not_hers, venue=terrou_bi)
    workshop = factories.ActivityFactory(
        mission=mission,
        leg=dakar,
        title="Atelier marché TIC",
        start_at=IN_DAKAR + timedelta(hours=6),
        end_at=IN_DAKAR + timedelta(hours=8),
    )
    workshop.attendees.append(salma)
    assert factories.publish(mission).number == 1
    meetings["dakar"].status, meetings["dakar"].sequence = "cancelled", 2
    assert factories.publish(mission).number == 2
    db.session.commit()
    return salma, atlas, meetings, workshop


def _utc_text(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expected(meetings, workshop, keys) -> dict:
    """uid → (UTC start, UTC end, status, sequence), from the database."""
    rows = [meetings[key] for key in keys if key != "workshop"]
    expected = {
        f"meeting-{m.id}.mission-{m.mission_id}@trade-mission-manager": (
            _utc_text(m.start_at),
            _utc_text(m.end_at),
            "CANCELLED" if m.status == "cancelled" else "CONFIRMED",
            m.sequence,
        )
        for m in rows
    }
    if "workshop" in keys:
        uid = f"activity-{workshop.id}.mission-{workshop.mission_id}@trade-mission-manager"
        expected[uid] = (_utc_text(workshop.start_at), _utc_text(workshop.end_at), "CONFIRMED", 0)
    return expected


def _read_with_vobject(content: bytes) -> dict:
    calendar = vobject.readOne(content.decode("utf-8"))
    return {
        event.uid.value: (
            _utc_text(event.dtstart.value),
            _utc_text(event.dtend.value),
            event.status.value,
            int(event.sequence.value),
        )
        for event in calendar.vevent_list
    }


def _read_with_libical_by_uid(content: bytes) -> dict:
    return {
        event["uid"]: (event["start"], event["end"], event["status"], event["sequence"])
        for event in read_with_libical(content)["events"]
    }


def test_person_feed_read_by_vobject_matches_the_database(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    response = client.get(f"/p/{salma.access_token}/agenda.ics")
    assert response.status_code == 200
    assert _read_with_vobject(response.data) == _expected(
        meetings, workshop, ["ramadan", "spring", "dakar", "workshop"]
    )


def test_person_feed_read_by_libical_matches_the_database(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    content = client.get(f"/p/{salma.access_token}/agenda.ics").data
    assert _read_with_libical_by_uid(content) == _expected(
        meetings, workshop, ["ramadan", "spring", "dakar", "workshop"]
    )
    parsed = read_with_libical(content)
    assert parsed["timezones"] == ["Africa/Casablanca", "Africa/Dakar"]
    assert all(event["zone_from_file"] for event in parsed["events"])


def test_casablanca_meetings_show_ten_oclock_both_during_and_after_ramadan(client, mission):
    salma, *_ = _mission_in_two_zones(mission)
    text = client.get(f"/p/{salma.access_token}/agenda.ics").get_data(as_text=True)
    assert "DTSTART;TZID=Africa/Casablanca:20260303T100000\r\n" in text
    assert "DTSTART;TZID=Africa/Casablanca:20260505T100000\r\n" in text
    assert "DTSTART;TZID=Africa/Dakar:20260512T090000\r\n" in text


def test_person_feed_speaks_french_and_describes_the_meeting(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    calendar = vobject.readOne(client.get(f"/p/{salma.access_token}/agenda.ics").get_data(True))
    first = calendar.vevent_list[0]
    assert first.summary.value == "Rendez-vous B2B : Maroc Télécom"
    assert first.location.value == ("Hyatt Regency (table 2), Place des Nations Unies; Casablanca")
    assert first.description.value.splitlines()[:5] == [
        "Rendez-vous avec Maroc Télécom (DSI)",
        "Opérateur, télécoms",
        "",
        "Leurs participants :",
        "- DSI de Maroc Télécom, DSI",
    ]
    assert "- Salma El Alaoui, Directeur général, Atlas, Digital" in first.description.value
    assert calendar.contents["x-wr-calname"][0].value == f"{mission.title} — Salma El Alaoui"


def test_person_feed_in_arabic_for_an_arabic_speaker(client, mission):
    salma, *_ = _mission_in_two_zones(mission)
    salma.languages = ["ar", "fr"]
    db.session.commit()
    calendar = vobject.readOne(client.get(f"/p/{salma.access_token}/agenda.ics").get_data(True))
    assert calendar.vevent_list[0].summary.value == "لقاء أعمال ثنائي: Maroc Télécom"
    assert calendar.vevent_list[2].summary.value == "ملغى: لقاء أعمال ثنائي: Sonatel"


def test_person_feed_is_inline_and_download_is_an_attachment(client, mission):
    salma, *_ = _mission_in_two_zones(mission)
    feed = client.get(f"/p/{salma.access_token}/agenda.ics")
    assert feed.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert feed.headers["Content-Disposition"].startswith("inline;")
    assert feed.headers["Cache-Control"] == "private, max-age=300"
    download = client.get(f"/p/{salma.access_token}/agenda.ics?download=1")
    slug = mission.title.lower().replace(" ", "-").replace("°", "")
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename={slug}-salma-el-alaoui.ics"
    )
    assert f"SOURCE;VALUE=URI:http://localhost/p/{salma.access_token}/agenda.ics" in (
        download.get_data(as_text=True).replace("\r\n ", "")
    )


def test_unchanged_feed_answers_304_without_a_body(client, mission):
    salma, *_ = _mission_in_two_zones(mission)
    url = f"/p/{salma.access_token}/agenda.ics"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    assert client.get(url).headers["ETag"] == etag
    cached = client.get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304
    assert cached.data == b""
    assert cached.headers["ETag"] == etag
    assert cached.headers["Cache-Control"] == "private, max-age=300"
    assert client.get(url, headers={"If-None-Match": 'W/"something-else"'}).status_code == 200


def test_changed_meeting_changes_the_etag(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    url = f"/p/{salma.access_token}/agenda.ics"
    etag = client.get(url).headers["ETag"]
    meetings["spring"].table_number = 3
    meetings["spring"].sequence += 1
    db.session.commit()
    # Not published yet: participants still have the version they hold.
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    factories.publish(mission)
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag


@pytest.mark.parametrize("feed", ["agenda.ics", "organisation.ics", "programme.ics"])
def test_wrong_or_revoked_token_gets_404(client, mission, feed):
    salma, *_ = _mission_in_two_zones(mission)
    old = salma.access_token
    assert client.get(f"/p/{old}/{feed}").status_code == 200
    wrong = old[:-1] + ("y" if old.endswith("x") else "x")  # one character off, never equal
    assert client.get(f"/p/{wrong}/{feed}").status_code == 404
    revoke_link(None, salma)
    db.session.commit()
    assert client.get(f"/p/{old}/{feed}").status_code == 404
    reissue_link(None, salma)
    db.session.commit()
    assert client.get(f"/p/{old}/{feed}").status_code == 404
    assert client.get(f"/p/{salma.access_token}/{feed}").status_code == 200


def test_organisation_feed_covers_every_meeting_of_the_firm(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    content = client.get(f"/p/{salma.access_token}/organisation.ics").data
    expected = _expected(meetings, workshop, ["ramadan", "spring", "dakar", "workshop"])
    assert _read_with_vobject(content) == expected
    assert _read_with_libical_by_uid(content) == expected
    calendar = vobject.readOne(content.decode())
    assert calendar.contents["x-wr-calname"][0].value == f"{mission.title} — Atlas, Digital"


def test_programme_feed_lists_activities_without_names(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    response = client.get(f"/p/{salma.access_token}/programme.ics")
    expected = _expected(meetings, workshop, ["workshop"])
    assert _read_with_vobject(response.data) == expected
    assert _read_with_libical_by_uid(response.data) == expected
    text = response.get_data(as_text=True)
    assert "Salma" not in text
    assert f"X-WR-CALNAME:{mission.title} — programme public\r\n" in text


def test_dropped_and_moved_meetings_after_a_new_schedule(client, mission):
    """apply_schedule cancels a dropped meeting and moves another, bumping their SEQUENCE;
    the feed keeps the cancelled one under the same UID."""
    leg = factories.LegFactory(mission=mission, city="Casablanca", timezone="Africa/Casablanca")
    venue = factories.VenueFactory(leg=leg, tables=2)
    factories.MeetingWindowFactory(
        venue=venue, start_at=IN_RAMADAN, end_at=IN_RAMADAN + 4 * HALF_HOUR
    )
    firm = factories.OrganisationFactory(mission=mission, name="Atlas")
    salma = factories.PersonFactory(organisation=firm, name="Salma")
    requests = []
    for name in ("Maroc Télécom", "Inwi"):
        host = factories.OrganisationFactory(mission=mission, name=name, host=True, leg=leg)
        factories.PersonFactory(organisation=host)
        requests.append(
            factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        )
    db.session.commit()
    slots = build_problem(mission).slot_by_start
    first = [
        scheduling.Assignment(requests[0].id, slots[(venue.id, IN_RAMADAN)], venue.id, 1),
        scheduling.Assignment(
            requests[1].id, slots[(venue.id, IN_RAMADAN + HALF_HOUR)], venue.id, 1
        ),
    ]
    apply_schedule(None, mission, first)
    factories.publish(mission)
    db.session.commit()
    url = f"/p/{salma.access_token}/agenda.ics"
    before = _read_with_libical_by_uid(client.get(url).data)
    assert sorted(v[2:] for v in before.values()) == [("CONFIRMED", 0), ("CONFIRMED", 0)]

    moved_start = IN_RAMADAN + 3 * HALF_HOUR
    second = [scheduling.Assignment(requests[1].id, slots[(venue.id, moved_start)], venue.id, 2)]
    apply_schedule(None, mission, second)
    db.session.commit()
    assert _read_with_libical_by_uid(client.get(url).data) == before  # until published
    factories.publish(mission)
    after = client.get(url).data
    dropped, moved = (
        db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))
        for request in requests
    )
    dropped_uid = f"meeting-{dropped.id}.mission-{mission.id}@trade-mission-manager"
    moved_uid = f"meeting-{moved.id}.mission-{mission.id}@trade-mission-manager"
    for read in (_read_with_vobject, _read_with_libical_by_uid):
        assert read(after) == {
            dropped_uid: (
                _utc_text(IN_RAMADAN),
                _utc_text(IN_RAMADAN + HALF_HOUR),
                "CANCELLED",
                1,
            ),
            moved_uid: (_utc_text(moved_start), _utc_text(moved_start + HALF_HOUR), "CONFIRMED", 1),
        }
    assert set(before) == set(_read_with_vobject(after))  # the same UIDs


# --- Radicale -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CalDAV:
    def __init__(self, port: int):
        self.port = port

    def request(self, method: str, path: str, body: bytes | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Authorization": "Basic dGVzdGVyOng="}  # tester:x; auth type none
        if body is not None:
            headers["Content-Type"] = "text/calendar; charset=utf-8"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        result = (response.status, response.read())
        connection.close()
        return result


@pytest.fixture
def caldav(tmp_path):
    """A Radicale server on 127.0.0.1 with its own storage, stopped after the test."""
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--storage-filesystem-folder",
            str(tmp_path / "collections"),
            "--auth-type",
            "none",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--logging-level",
            "error",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    client = CalDAV(port)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                client.request("GET", "/")
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "Radicale did not start"
                time.sleep(0.1)
        yield client
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(tmp_path / "collections", ignore_errors=True)


@pytest.mark.parametrize(
    ("feed", "keys"),
    [
        ("agenda.ics", ["ramadan", "spring", "dakar", "workshop"]),
        ("organisation.ics", ["ramadan", "spring", "dakar", "workshop"]),
        ("programme.ics", ["workshop"]),
    ],
)
def test_caldav_server_accepts_each_feed_and_returns_its_events(
    client, mission, caldav, feed, keys
):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    content = client.get(f"/p/{salma.access_token}/{feed}").data
    collection = f"/tester/{feed.removesuffix('.ics')}/"
    status, body = caldav.request("PUT", collection, content)
    assert status == 201, body
    status, returned = caldav.request("GET", collection)
    assert status == 200
    expected = _expected(meetings, workshop, keys)
    assert _read_with_vobject(returned) == expected
    assert _read_with_libical_by_uid(returned) == expected
    summaries = {e.summary.value for e in vobject.readOne(returned.decode()).vevent_list}
    assert summaries == {e.summary.value for e in vobject.readOne(content.decode()).vevent_list}


# --- Organiser downloads --------------------------------------------------------------------


def _download_urls(mission, salma, atlas) -> list[str]:
    return [
        f"/missions/{mission.id}/people/{salma.id}/agenda.ics",
        f"/missions/{mission.id}/organisations/{atlas.id}/agenda.ics",
        f"/missions/{mission.id}/programme.ics",
    ]


def test_viewer_downloads_each_calendar(client, mission, viewer):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    client.login(viewer.email)
    person, organisation, programme = (client.get(u) for u in _download_urls(mission, salma, atlas))
    for response in (person, organisation, programme):
        assert response.status_code == 200
        assert response.headers["Content-Disposition"].startswith("attachment; filename=")
        assert response.headers["Cache-Control"] == "no-store"
    everything = _expected(meetings, workshop, ["ramadan", "spring", "dakar", "workshop"])
    assert _read_with_libical_by_uid(person.data) == everything
    assert _read_with_vobject(organisation.data) == everything
    assert _read_with_vobject(programme.data) == _expected(meetings, workshop, ["workshop"])
    assert "SOURCE" not in person.get_data(as_text=True)


def test_downloads_need_a_login(client, mission):
    salma, atlas, *_ = _mission_in_two_zones(mission)
    for url in _download_urls(mission, salma, atlas):
        assert client.get(url).headers["Location"].startswith("/login")


def test_organiser_of_another_mission_gets_404(client, mission):
    salma, atlas, *_ = _mission_in_two_zones(mission)
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="organiser")
    db.session.commit()
    client.login(stranger.email)
    for url in _download_urls(mission, salma, atlas):
        assert client.get(url).status_code == 404


def test_person_or_firm_of_another_mission_gets_404(logged_in, mission):
    salma, atlas, *_ = _mission_in_two_zones(mission)
    elsewhere = factories.PersonFactory()
    db.session.commit()
    assert (
        logged_in.get(f"/missions/{mission.id}/people/{elsewhere.id}/agenda.ics").status_code == 404
    )
    assert (
        logged_in.get(
            f"/missions/{mission.id}/organisations/{elsewhere.organisation_id}/agenda.ics"
        ).status_code
        == 404
    )


# --- Last-Modified ----------------------------------------------------------------------------


def test_feeds_carry_the_time_of_the_latest_publication_and_answer_if_modified_since(
    client, mission
):
    from email.utils import format_datetime

    from mission_app.models import Publication

    salma, *_ = _mission_in_two_zones(mission)
    latest = db.session.query(Publication).filter_by(number=2).one()
    stamp = format_datetime(latest.published_at.replace(microsecond=0), usegmt=True)
    for feed in ("agenda.ics", "organisation.ics", "programme.ics"):
        url = f"/p/{salma.access_token}/{feed}"
        response = client.get(url)
        assert response.headers["Last-Modified"] == stamp, feed
        cached = client.get(url, headers={"If-Modified-Since": stamp})
        assert (cached.status_code, cached.data) == (304, b""), feed
        assert cached.headers["ETag"] == response.headers["ETag"]
        earlier = format_datetime(latest.published_at - timedelta(seconds=2), usegmt=True)
        assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200
        # An ETag the client sends decides over the date.
        both = {"If-Modified-Since": stamp, "If-None-Match": 'W/"an-older-version"'}
        assert client.get(url, headers=both).status_code == 200


def test_a_new_version_or_an_edited_activity_moves_last_modified(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    url = f"/p/{salma.access_token}/agenda.ics"
    programme = f"/p/{salma.access_token}/programme.ics"
    first = client.get(url).headers["Last-Modified"]
    time.sleep(1.1)  # HTTP dates count whole seconds
    meetings["spring"].table_number = 1
    factories.publish(mission)
    db.session.commit()
    second = client.get(url).headers["Last-Modified"]
    assert second != first
    assert client.get(url, headers={"If-Modified-Since": first}).status_code == 200
    assert client.get(url, headers={"If-Modified-Since": second}).status_code == 304
    time.sleep(1.1)
    workshop.attendees.remove(salma)  # activities are not versioned: they show at once
    db.session.commit()
    third = client.get(url)
    assert third.headers["Last-Modified"] != second
    assert client.get(url, headers={"If-Modified-Since": second}).status_code == 200
    assert client.get(programme, headers={"If-Modified-Since": second}).status_code == 200
    assert "Atelier" not in third.get_data(as_text=True)


def test_deleted_request_stays_in_the_feed_as_cancelled_with_a_higher_sequence(client, mission):
    salma, atlas, meetings, workshop = _mission_in_two_zones(mission)
    spring = meetings["spring"]
    uid = f"meeting-{spring.id}.mission-{mission.id}@trade-mission-manager"
    start, end, sequence = spring.start_at, spring.end_at, spring.sequence
    db.session.delete(spring.request)  # its meeting goes with it
    db.session.commit()
    url = f"/p/{salma.access_token}/agenda.ics"
    assert _read_with_vobject(client.get(url).data)[uid][2:] == ("CONFIRMED", 1)  # unpublished
    publication = factories.publish(mission)
    assert [(c.kind, c.after) for c in publication.changes] == [("cancelled", None)]
    content = client.get(url).data
    cancelled = (_utc_text(start), _utc_text(end), "CANCELLED", sequence + 1)
    assert _read_with_vobject(content)[uid] == cancelled
    assert _read_with_libical_by_uid(content)[uid] == cancelled
    firm_feed = client.get(f"/p/{salma.access_token}/organisation.ics").data
    assert _read_with_vobject(firm_feed)[uid] == cancelled
