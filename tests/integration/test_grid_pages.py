"""The grid page and the person's schedule page: navigation, conflicts in French, permissions,
and a number of queries that does not grow with the mission."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Availability, Membership, Mission
from mission_app.services.demo import load_demo
from mission_app.services.scheduling import apply_schedule, build_problem
from tests import factories
from tests.conftest import page_text
from tests.integration.test_query_counts import counting_statements

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(mission):
    """Dakar and Nouakchott; in Dakar a venue of 4 tables open 09:00–11:00 on 12 and 13 May;
    a firm (Karim Benali) and two hosts (Awa Gueye, Moussa Ndiaye) in Dakar."""
    dakar = factories.LegFactory(mission=mission, city="Dakar", position=1)
    nouakchott = factories.LegFactory(
        mission=mission, city="Nouakchott", country="MR", timezone="Africa/Nouakchott", position=2
    )
    venue = factories.VenueFactory(leg=dakar, tables=4, name="Hôtel Terrou-Bi")
    for day in (0, 1):
        start = NINE + timedelta(days=day)
        factories.MeetingWindowFactory(
            venue=venue, start_at=start, end_at=start + timedelta(hours=2)
        )
    nkc_venue = factories.VenueFactory(leg=nouakchott, tables=2, name="Hôtel Sahel")
    nkc_start = NINE + timedelta(days=3)
    factories.MeetingWindowFactory(
        venue=nkc_venue, start_at=nkc_start, end_at=nkc_start + timedelta(hours=1)
    )
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    hosts = [
        factories.OrganisationFactory(mission=mission, host=True, name=name, leg=dakar)
        for name in ("Banque du Cap", "Sonatel Pro")
    ]
    people = {
        "karim": factories.PersonFactory(organisation=firm, name="Karim Benali"),
        "awa": factories.PersonFactory(organisation=hosts[0], name="Awa Gueye"),
        "moussa": factories.PersonFactory(organisation=hosts[1], name="Moussa Ndiaye"),
    }
    requests = [
        factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        for host in hosts
    ]
    db.session.commit()
    return {
        "dakar": dakar,
        "nouakchott": nouakchott,
        "venue": venue,
        "firm": firm,
        "requests": requests,
        "people": people,
    }


def _meeting(request, venue, start, table=1, **kwargs):
    return factories.MeetingFactory(
        request=request,
        venue=venue,
        table_number=table,
        start_at=start,
        end_at=start + timedelta(minutes=30),
        **kwargs,
    )


def _text(page: str) -> str:
    """The page's words without tags, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def _conflict_cell(page: str, meeting_id: int) -> str:
    """The conflicting cell of a meeting (it fails if the meeting is not marked)."""
    match = re.search(
        rf'<div class="grid-meeting conflict[^"]*" id="m{meeting_id}"[^>]*>(.*?)\n</div>',
        page,
        re.S,
    )
    assert match, f"meeting {meeting_id} is not marked as a conflict"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()


def test_grid_opens_on_the_first_leg_and_day_and_shows_the_meeting(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE + timedelta(minutes=30), 3)
    db.session.commit()

    response = logged_in.get(f"/missions/{mission.id}/grid")

    page = page_text(response)
    assert response.status_code == 200
    assert "Grille des rendez-vous · Dakar · mardi 12 mai 2026" in page
    assert "Heures locales de Dakar (Africa/Dakar, UTC)." in page
    assert "1 rendez-vous · tables occupées : 1 sur 4 · aucun conflit" in _text(page)
    assert f'<div class="grid-meeting" id="m{meeting.id}" data-meeting="{meeting.id}"' in page
    assert re.findall(r'<th scope="col" class="slot-head">(\d\d:\d\d)', page) == [
        "09:00",
        "09:30",
        "10:00",
        "10:30",
    ]
    row = re.search(r'<th scope="row">Table 3</th>(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>", row)
    assert cells[1].startswith('<td class="booked')
    assert [re.sub(r' data-venue="\d+"', "", c) for k, c in enumerate(cells) if k != 1] == [
        f'<td class="free" data-start="2026-05-12T{time}:00+00:00" data-table="3" '
        f'title="Table 3 · {time}">'
        for time in ("09:00", "10:00", "10:30")
    ]
    person_url = f"/missions/{mission.id}/people/{setup['people']['karim'].id}/schedule"
    assert f'href="{person_url}">Karim Benali</a>' in page


def test_grid_navigates_between_legs_and_days(logged_in, mission, setup):
    dakar, nouakchott = setup["dakar"], setup["nouakchott"]
    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))
    assert f'href="/missions/{mission.id}/grid?leg={nouakchott.id}"' in page
    assert f'href="/missions/{mission.id}/grid?leg={dakar.id}&day=2026-05-13"' in page.replace(
        "&amp;", "&"
    )

    second_day = page_text(
        logged_in.get(f"/missions/{mission.id}/grid?leg={dakar.id}&day=2026-05-13")
    )
    assert "Grille des rendez-vous · Dakar · mercredi 13 mai 2026" in second_day
    assert "Aucun rendez-vous planifié ce jour-là." in second_day

    other_leg = page_text(logged_in.get(f"/missions/{mission.id}/grid?leg={nouakchott.id}"))
    assert "Grille des rendez-vous · Nouakchott · vendredi 15 mai 2026" in other_leg
    assert "Heures locales de Nouakchott (Africa/Nouakchott, UTC)." in other_leg
    assert other_leg.count('<th scope="row">') == 2

    malformed = page_text(logged_in.get(f"/missions/{mission.id}/grid?day=12-05"))
    assert "Grille des rendez-vous · Dakar · mardi 12 mai 2026" in malformed


def test_grid_of_a_leg_of_another_mission_is_404(logged_in, mission, setup):
    elsewhere = factories.LegFactory()
    db.session.commit()
    assert logged_in.get(f"/missions/{mission.id}/grid?leg={elsewhere.id}").status_code == 404


def test_grid_of_a_mission_without_legs_says_so(logged_in, mission):
    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))
    assert "La mission n’a pas encore d’étape" in page


def test_grid_marks_a_person_in_two_meetings_at_once(logged_in, mission, setup):
    first = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    second = _meeting(setup["requests"][1], setup["venue"], NINE, table=2)
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))

    assert "Conflit : Karim Benali rencontre aussi Sonatel Pro à ce moment-là." in _conflict_cell(
        page, first.id
    )
    assert "Karim Benali rencontre aussi Banque du Cap à ce moment-là." in _conflict_cell(
        page, second.id
    )
    assert (
        f'<a href="#m{first.id}"><span class="nowrap">mar. 12 mai 09:00</span> · table 1</a> — '
        "Karim Benali est attendu(e) à deux rendez-vous en même temps : "
        "Atlas Logiciels – Banque du Cap et Atlas Logiciels – Sonatel Pro." in page
    )
    assert "1 conflit" in page


def test_grid_marks_a_person_busy_at_an_activity(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    workshop = factories.ActivityFactory(
        mission=mission,
        leg=setup["dakar"],
        title="Atelier TIC",
        start_at=NINE,
        end_at=NINE + timedelta(hours=1),
    )
    workshop.attendees.append(setup["people"]["awa"])
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))

    assert "Awa Gueye participe à « Atelier TIC » à ce moment-là." in _conflict_cell(
        page, meeting.id
    )
    assert "Activités de la journée" in page


def test_grid_marks_a_person_who_is_not_available(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][1], setup["venue"], NINE, table=4)
    db.session.add(
        Availability(
            person=setup["people"]["moussa"],
            start_at=NINE + timedelta(hours=1),
            end_at=NINE + timedelta(hours=2),
        )
    )
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))

    assert "Moussa Ndiaye n’est pas disponible à ce moment-là." in _conflict_cell(page, meeting.id)


def test_grid_marks_a_meeting_outside_the_windows(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE + timedelta(minutes=10))
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))

    assert "Rendez-vous hors de la grille" in page
    assert (
        "Hors de toute plage horaire de rendez-vous : cette heure n’est pas un créneau de la "
        "journée." in _conflict_cell(page, meeting.id)
    )


def test_grid_shows_locks_and_lists_cancelled_meetings(logged_in, mission, setup):
    locked = _meeting(setup["requests"][0], setup["venue"], NINE, locked=True)
    cancelled = _meeting(setup["requests"][1], setup["venue"], NINE, table=2, status="cancelled")
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/grid"))

    assert f'<div class="grid-meeting locked" id="m{locked.id}" data-meeting="{locked.id}"' in page
    assert 'class="visually-hidden">Verrouillé</span>' in page
    assert f'id="m{cancelled.id}"' not in page
    assert "Rendez-vous annulés" in page
    assert "Sonatel Pro" in page.split("Rendez-vous annulés")[1]


def test_person_schedule_lists_meetings_and_activities_in_order(logged_in, mission, setup):
    _meeting(setup["requests"][1], setup["venue"], NINE + timedelta(hours=1, minutes=30), 2)
    _meeting(setup["requests"][0], setup["venue"], NINE)
    workshop = factories.ActivityFactory(
        mission=mission,
        leg=setup["dakar"],
        title="Atelier TIC",
        start_at=NINE + timedelta(minutes=30),
        end_at=NINE + timedelta(hours=1),
    )
    workshop.attendees.append(setup["people"]["karim"])
    db.session.commit()

    page = page_text(
        logged_in.get(f"/missions/{mission.id}/people/{setup['people']['karim'].id}/schedule")
    )

    assert "Programme de Karim Benali" in page
    text = _text(page)
    order = [
        "09:00 – 09:30 Rendez-vous avec Banque du Cap",
        "09:30 – 10:00 Atelier Atelier TIC",
        "10:00 – 10:30 Libre",
        "10:30 – 11:00 Rendez-vous avec Sonatel Pro",
    ]
    positions = [text.find(line) for line in order]
    assert -1 not in positions, text
    assert positions == sorted(positions)
    assert "2 rendez-vous · 1 activité" in text
    assert "Dakar · Mardi 12 mai 2026" in text or "Dakar · mardi 12 mai 2026" in text


def test_organisation_page_links_to_each_person_schedule(logged_in, mission, setup):
    page = page_text(logged_in.get(f"/missions/{mission.id}/organisations/{setup['firm'].id}"))
    assert f'href="/missions/{mission.id}/people/{setup["people"]["karim"].id}/schedule"' in page


def test_viewer_sees_both_pages(client, mission, viewer, setup):
    client.login(viewer.email)
    assert client.get(f"/missions/{mission.id}/grid").status_code == 200
    person = setup["people"]["awa"]
    assert client.get(f"/missions/{mission.id}/people/{person.id}/schedule").status_code == 200


def test_organiser_of_another_mission_gets_404(other_client, mission, setup):
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="organiser")
    db.session.commit()
    other_client.login(stranger.email)
    person = setup["people"]["awa"]
    assert other_client.get(f"/missions/{mission.id}/grid").status_code == 404
    assert (
        other_client.get(f"/missions/{mission.id}/people/{person.id}/schedule").status_code == 404
    )


def test_person_of_another_mission_is_404(logged_in, mission, setup):
    stranger = factories.PersonFactory()
    db.session.commit()
    assert logged_in.get(f"/missions/{mission.id}/people/{stranger.id}/schedule").status_code == 404


def _tiny_mission() -> tuple[Mission, int]:
    mission = factories.MissionFactory(title="Petite mission")
    leg = factories.LegFactory(mission=mission)
    venue = factories.VenueFactory(leg=leg, tables=1)
    factories.MeetingWindowFactory(venue=venue)
    request = factories.MeetingRequestFactory(mission=mission)
    host = factories.PersonFactory(organisation=request.host)
    factories.PersonFactory(organisation=request.delegation)
    _meeting(request, venue, factories.MEETING_DAY)
    activity = factories.ActivityFactory(mission=mission, leg=leg)
    activity.attendees.append(host)
    db.session.flush()
    return mission, host.id


def _demo_mission() -> tuple[Mission, int]:
    """The demo mission (64 people, 240 requests), scheduled first-fit."""
    mission = load_demo()
    problem = build_problem(mission).problem
    apply_schedule(None, mission, list(scheduling.first_fit_solution(problem).assignments))
    db.session.flush()
    busiest = max(
        (p for p in problem.people),
        key=lambda p: sum(p.id in r.attendees for r in problem.requests),
    )
    return mission, busiest.id


def _count(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up: the first request of a session loads what every page needs
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), page_text(response)


def test_grid_and_person_pages_run_as_many_queries_for_the_demo_as_for_a_tiny_mission(client):
    tiny, tiny_person = _tiny_mission()
    demo, demo_person = _demo_mission()
    user = factories.UserFactory()
    db.session.add_all(
        [
            Membership(user_id=user.id, mission_id=tiny.id, role="organiser"),
            Membership(user_id=user.id, mission_id=demo.id, role="organiser"),
        ]
    )
    db.session.commit()
    client.login(user.email)

    tiny_grid, _ = _count(client, f"/missions/{tiny.id}/grid")
    demo_grid, demo_page = _count(client, f"/missions/{demo.id}/grid")
    assert demo_grid == tiny_grid
    assert demo_page.count('<div class="grid-meeting') >= 40
    tiny_agenda, _ = _count(client, f"/missions/{tiny.id}/people/{tiny_person}/schedule")
    demo_agenda, agenda = _count(client, f"/missions/{demo.id}/people/{demo_person}/schedule")
    assert demo_agenda == tiny_agenda
    assert agenda.count('<tr class="meeting') >= 5
    assert db.session.scalar(select(Mission.id).where(Mission.id == demo.id)) == demo.id
