"""The grid's edit endpoints: plain forms answered with a redirect to the grid, the drag-and-drop
script answered with JSON, refusals shown with their reasons, permissions and CSRF."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Availability, Meeting, Membership, Person
from mission_app.services import schedule_grid
from tests import factories
from tests.conftest import page_text
from tests.integration.test_grid_pages import _count, _demo_mission, _tiny_mission

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
HALF = timedelta(minutes=30)
JSON = {"Accept": "application/json"}


@pytest.fixture
def setup(mission):
    """Dakar, Hôtel Terrou-Bi with 3 tables open 09:00–11:00 on 12 May; Atlas Logiciels (Karim
    Benali) asks to meet Banque du Cap (Awa Gueye) and Sonatel Pro (Moussa Ndiaye)."""
    dakar = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=dakar, tables=3, name="Hôtel Terrou-Bi")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + 4 * HALF)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    banque = factories.OrganisationFactory(mission=mission, host=True, name="Banque du Cap")
    sonatel = factories.OrganisationFactory(mission=mission, host=True, name="Sonatel Pro")
    factories.PersonFactory(organisation=atlas, name="Karim Benali")
    factories.PersonFactory(organisation=banque, name="Awa Gueye")
    factories.PersonFactory(organisation=sonatel, name="Moussa Ndiaye")
    requests = [
        factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host, key=key)
        for host, key in ((banque, "atlas-banque"), (sonatel, "atlas-sonatel"))
    ]
    db.session.commit()
    return {"leg": dakar, "venue": venue, "requests": requests}


def _meeting(request, venue, start, table=1, **kwargs):
    return factories.MeetingFactory(
        request=request,
        venue=venue,
        table_number=table,
        start_at=start,
        end_at=start + HALF,
        **kwargs,
    )


def _grid(mission, setup) -> str:
    return f"/missions/{mission.id}/grid?leg={setup['leg'].id}&day=2026-05-12"


def _flashes(page: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", text).strip()
        for text in re.findall(r'<div class="flash flash-\w+" role="status">(.*?)</div>', page)
    ]


def _place(meeting) -> tuple:
    db.session.refresh(meeting)
    return (meeting.start_at, meeting.table_number, meeting.status, meeting.lock_version)


# ----- move -----------------------------------------------------------------------------------


def test_move_form_saves_and_goes_back_to_the_meeting_in_the_grid(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    url = f"/missions/{mission.id}/meetings/{meeting.id}/move"

    response = logged_in.post_form(
        url,
        {
            "version": "1",
            "start": (NINE + HALF).isoformat(),
            "venue": str(setup["venue"].id),
            "table": "2",
        },
        token_from=_grid(mission, setup),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/missions/{mission.id}/grid?leg={setup['leg'].id}&day=2026-05-12#m{meeting.id}"
    )
    assert _place(meeting) == (NINE + HALF, 2, "scheduled", 2)
    page = page_text(logged_in.get(response.headers["Location"]))
    assert _flashes(page) == ["Rendez-vous déplacé : Atlas Logiciels – Banque du Cap."]
    row = re.search(r'<th scope="row">Table 2</th>(.*?)</tr>', page, re.S).group(1)
    assert f'id="m{meeting.id}"' in row


def test_move_from_the_script_answers_json(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    token = logged_in.csrf_token(_grid(mission, setup))

    response = logged_in.post(
        f"/missions/{mission.id}/meetings/{meeting.id}/move",
        data={
            "csrf_token": token,
            "version": "1",
            "start": (NINE + 3 * HALF).isoformat(),
            "venue": str(setup["venue"].id),
            "table": "3",
        },
        headers=JSON,
    )

    assert response.status_code == 200
    assert response.get_json() == {
        "ok": True,
        "message": "Rendez-vous déplacé : Atlas Logiciels – Banque du Cap.",
        "url": f"/missions/{mission.id}/grid?leg={setup['leg'].id}&day=2026-05-12#m{meeting.id}",
    }
    assert _place(meeting) == (NINE + 3 * HALF, 3, "scheduled", 2)


def test_move_refused_shows_the_reason_on_the_grid_and_highlights_the_meeting(
    logged_in, mission, setup
):
    banque = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    _meeting(setup["requests"][1], setup["venue"], NINE + HALF, table=2)
    db.session.commit()

    response = logged_in.post_form(
        f"/missions/{mission.id}/meetings/{banque.id}/move",
        {
            "version": "1",
            "start": (NINE + HALF).isoformat(),
            "venue": str(setup["venue"].id),
            "table": "1",
        },
        token_from=_grid(mission, setup),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/missions/{mission.id}/grid?leg={setup['leg'].id}&day=2026-05-12"
        f"&refused={banque.id}#m{banque.id}"
    )
    assert _place(banque) == (NINE, 1, "scheduled", 1)
    page = page_text(logged_in.get(response.headers["Location"]))
    assert _flashes(page) == [
        "Modification refusée : elle enfreindrait les règles du planning.",
        "Karim Benali a déjà un rendez-vous à 09:30 : Atlas Logiciels – Sonatel Pro.",
    ]
    assert f'<div class="grid-meeting refused" id="m{banque.id}"' in page


def test_move_refused_from_the_script_answers_422_with_the_reasons(logged_in, mission, setup):
    banque = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    sonatel = _meeting(setup["requests"][1], setup["venue"], NINE + HALF, table=2)
    db.session.commit()
    token = logged_in.csrf_token(_grid(mission, setup))

    response = logged_in.post(
        f"/missions/{mission.id}/meetings/{banque.id}/move",
        data={
            "csrf_token": token,
            "version": "1",
            "start": (NINE + HALF).isoformat(),
            "venue": str(setup["venue"].id),
            "table": "2",
        },
        headers=JSON,
    )

    assert response.status_code == 422
    assert response.get_json() == {
        "ok": False,
        "message": "Modification refusée : elle enfreindrait les règles du planning.",
        "reasons": [
            "La table 2 (Hôtel Terrou-Bi) est déjà occupée à 09:30 par Atlas Logiciels – "
            "Sonatel Pro.",
            "Karim Benali a déjà un rendez-vous à 09:30 : Atlas Logiciels – Sonatel Pro.",
        ],
        "meeting": banque.id,
    }
    assert _place(banque) == (NINE, 1, "scheduled", 1)
    assert _place(sonatel) == (NINE + HALF, 2, "scheduled", 1)


def test_move_from_a_stale_page_answers_409(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    token = logged_in.csrf_token(_grid(mission, setup))
    fields = {"csrf_token": token, "venue": str(setup["venue"].id), "version": "1"}
    url = f"/missions/{mission.id}/meetings/{meeting.id}/move"
    first = logged_in.post(
        url, data={**fields, "start": (NINE + HALF).isoformat(), "table": "1"}, headers=JSON
    )

    second = logged_in.post(
        url, data={**fields, "start": (NINE + 2 * HALF).isoformat(), "table": "1"}, headers=JSON
    )

    assert first.status_code == 200
    assert second.status_code == 409
    assert second.get_json() == {
        "ok": False,
        "message": "Ce rendez-vous a été modifié par quelqu’un d’autre entre-temps : rechargez la "
        "grille.",
        "reasons": [],
        "meeting": meeting.id,
    }
    assert _place(meeting) == (NINE + HALF, 1, "scheduled", 2)


def test_move_with_a_malformed_time_is_refused_without_change(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    token = logged_in.csrf_token(_grid(mission, setup))

    response = logged_in.post(
        f"/missions/{mission.id}/meetings/{meeting.id}/move",
        data={"csrf_token": token, "version": "1", "start": "demain", "venue": "1", "table": "1"},
        headers=JSON,
    )

    assert response.status_code == 400
    assert response.get_json()["message"] == (
        "Ce formulaire est incomplet ou périmé : rechargez la grille et réessayez."
    )
    assert _place(meeting) == (NINE, 1, "scheduled", 1)


def test_move_without_csrf_token_is_refused(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()

    response = logged_in.post(
        f"/missions/{mission.id}/meetings/{meeting.id}/move",
        data={"version": "1", "start": NINE.isoformat(), "venue": "1", "table": "2"},
    )

    assert response.status_code == 400
    assert _place(meeting) == (NINE, 1, "scheduled", 1)


def test_edits_by_a_viewer_are_403(client, viewer, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    client.login(viewer.email)
    token = client.csrf_token(_grid(mission, setup))
    base = f"/missions/{mission.id}/meetings/{meeting.id}"
    fields = {
        "csrf_token": token,
        "version": "1",
        "start": (NINE + HALF).isoformat(),
        "venue": str(setup["venue"].id),
        "table": "1",
        "locked": "1",
    }

    statuses = [
        client.post(f"{base}/{action}", data=fields).status_code
        for action in ("move", "swap", "cancel", "restore", "lock")
    ]
    place = f"/missions/{mission.id}/meeting-requests/{setup['requests'][1].id}/place"
    statuses += [client.post(place, data=fields).status_code, client.get(place).status_code]

    assert statuses == [403] * 7
    assert _place(meeting) == (NINE, 1, "scheduled", 1)
    assert db.session.query(Meeting).count() == 1


def test_edits_by_the_organiser_of_another_mission_are_404(other_client, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    stranger = factories.UserFactory()
    own = factories.MembershipFactory(user=stranger, role="organiser").mission
    db.session.commit()
    other_client.login(stranger.email)
    token = other_client.csrf_token(f"/missions/{own.id}/grid")
    base = f"/missions/{mission.id}/meetings/{meeting.id}"

    statuses = [
        other_client.post(
            f"{base}/{action}", data={"csrf_token": token, "version": "1"}
        ).status_code
        for action in ("move", "swap", "cancel", "restore", "lock")
    ]
    statuses.append(other_client.get(f"{base}/edit").status_code)
    place = f"/missions/{mission.id}/meeting-requests/{setup['requests'][1].id}/place"
    statuses.append(other_client.get(place).status_code)
    statuses.append(other_client.post(place, data={"csrf_token": token}).status_code)

    assert statuses == [404] * 8
    assert _place(meeting) == (NINE, 1, "scheduled", 1)


# ----- the page that works without script -----------------------------------------------------


def test_edit_page_offers_every_slot_table_and_meeting_to_swap_with(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE + HALF, table=2)
    other = _meeting(setup["requests"][1], setup["venue"], NINE, table=3)
    db.session.commit()

    page = page_text(logged_in.get(f"/missions/{mission.id}/meetings/{meeting.id}/edit"))

    starts = re.findall(r'<option value="(2026-05-12T[^"]+)"( selected)?>([^<]+)</option>', page)
    assert starts == [
        ("2026-05-12T09:00:00+00:00", "", "mar. 12 mai · 09:00"),
        ("2026-05-12T09:30:00+00:00", " selected", "mar. 12 mai · 09:30"),
        ("2026-05-12T10:00:00+00:00", "", "mar. 12 mai · 10:00"),
        ("2026-05-12T10:30:00+00:00", "", "mar. 12 mai · 10:30"),
    ]
    tables = re.findall(r'<option value="(\d)"( selected)?>Table \d</option>', page)
    assert tables == [("1", ""), ("2", " selected"), ("3", "")]
    assert f'<option value="{other.id}:1">mar. 12 mai 09:00 · table 3 · Atlas Logiciels – ' in page
    assert f'action="/missions/{mission.id}/meetings/{meeting.id}/cancel"' in page
    assert '<button type="submit" class="button">Verrouiller</button>' in page


def test_edit_page_of_a_viewer_is_403(client, viewer, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    client.login(viewer.email)

    assert client.get(f"/missions/{mission.id}/meetings/{meeting.id}/edit").status_code == 403


def test_grid_of_a_viewer_has_nothing_to_drag(client, viewer, mission, setup):
    _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    client.login(viewer.email)

    page = page_text(client.get(_grid(mission, setup)))

    assert "grid-edit.js" not in page
    assert "draggable" not in page
    assert "data-move-url" not in page
    assert "Modifier" not in page


def test_grid_of_an_organiser_marks_free_cells_and_meetings_for_the_script(
    logged_in, mission, setup
):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    db.session.commit()

    page = page_text(logged_in.get(_grid(mission, setup)))

    assert '<script src="/static/js/grid-edit.js" defer></script>' in page
    assert (
        f'<div class="grid-meeting" id="m{meeting.id}" data-meeting="{meeting.id}" '
        f'data-version="1" data-label="Atlas Logiciels – Banque du Cap"'
    ) in page
    assert f'data-move-url="/missions/{mission.id}/meetings/{meeting.id}/move"' in page
    free = re.findall(
        r'<td class="free" data-start="([^"]+)" data-venue="\d+" data-table="1"', page
    )
    assert free == [
        "2026-05-12T09:30:00+00:00",
        "2026-05-12T10:00:00+00:00",
        "2026-05-12T10:30:00+00:00",
    ]
    # Sonatel Pro has no meeting yet: it waits below the grid, to be placed.
    assert "Demandes sans rendez-vous à Dakar" in page
    assert re.search(r'data-label="Atlas Logiciels – Sonatel Pro"\s+data-add-url=', page)


# ----- swap, cancel, restore, lock, add -------------------------------------------------------


def test_swap_form_exchanges_two_meetings(logged_in, mission, setup):
    banque = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    sonatel = _meeting(setup["requests"][1], setup["venue"], NINE + 2 * HALF, table=3)
    db.session.commit()

    response = logged_in.post_form(
        f"/missions/{mission.id}/meetings/{banque.id}/swap",
        {"version": "1", "other": f"{sonatel.id}:1"},
        token_from=f"/missions/{mission.id}/meetings/{banque.id}/edit",
    )

    assert response.status_code == 302
    assert _place(banque)[:2] == (NINE + 2 * HALF, 3)
    assert _place(sonatel)[:2] == (NINE, 1)
    page = page_text(logged_in.get(response.headers["Location"]))
    assert _flashes(page) == [
        "Rendez-vous échangés : Atlas Logiciels – Banque du Cap a changé de place."
    ]


def test_cancel_then_restore_from_the_grid(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    base = f"/missions/{mission.id}/meetings/{meeting.id}"

    cancelled = logged_in.post_form(f"{base}/cancel", {"version": "1"}, token_from=f"{base}/edit")
    grid = page_text(logged_in.get(_grid(mission, setup)))
    restored = logged_in.post_form(
        f"{base}/restore", {"version": "2"}, token_from=_grid(mission, setup)
    )

    assert cancelled.status_code == restored.status_code == 302
    assert "Rendez-vous annulé : Atlas Logiciels – Banque du Cap." in _flashes(grid)
    assert f'action="{base}/restore"' in grid
    assert _place(meeting) == (NINE, 1, "scheduled", 3)
    assert meeting.sequence == 2


def test_lock_then_unlock_from_the_edit_page(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    base = f"/missions/{mission.id}/meetings/{meeting.id}"

    logged_in.post_form(f"{base}/lock", {"version": "1", "locked": "1"}, token_from=f"{base}/edit")
    db.session.refresh(meeting)
    locked = (meeting.locked, meeting.lock_version)
    page = page_text(logged_in.get(f"{base}/edit"))
    logged_in.post_form(f"{base}/lock", {"version": "2", "locked": "0"}, token_from=f"{base}/edit")
    db.session.refresh(meeting)

    assert locked == (True, 2)
    assert "Ce rendez-vous est verrouillé : déverrouillez-le avant de le déplacer." in page
    assert (meeting.locked, meeting.lock_version, meeting.sequence) == (False, 3, 0)


def test_add_meeting_form_places_a_request(logged_in, mission, setup):
    request = setup["requests"][1]
    url = f"/missions/{mission.id}/meeting-requests/{request.id}/place"

    form = page_text(logged_in.get(url))
    response = logged_in.post_form(
        url,
        {"start": (NINE + HALF).isoformat(), "venue": str(setup["venue"].id), "table": "2"},
    )

    assert "Placer un rendez-vous · Atlas Logiciels – Sonatel Pro" in form
    assert response.status_code == 302
    meeting = db.session.query(Meeting).filter_by(request_id=request.id).one()
    assert (meeting.start_at, meeting.table_number, meeting.key) == (
        NINE + HALF,
        2,
        "m-atlas-sonatel",
    )
    assert response.headers["Location"].endswith(f"#m{meeting.id}")


def test_add_meeting_refused_goes_back_to_the_form_with_the_reason(logged_in, mission, setup):
    _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    db.session.commit()
    url = f"/missions/{mission.id}/meeting-requests/{setup['requests'][1].id}/place"

    response = logged_in.post_form(
        url, {"start": NINE.isoformat(), "venue": str(setup["venue"].id), "table": "2"}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == url
    assert _flashes(page_text(logged_in.get(url))) == [
        "Modification refusée : elle enfreindrait les règles du planning.",
        "Karim Benali a déjà un rendez-vous à 09:00 : Atlas Logiciels – Banque du Cap.",
    ]
    assert db.session.query(Meeting).count() == 1


def test_edit_and_place_pages_run_as_many_queries_for_the_demo_as_for_a_tiny_mission(client):
    tiny, _ = _tiny_mission()
    demo, _ = _demo_mission()
    user = factories.UserFactory()
    db.session.add_all(
        [
            Membership(user_id=user.id, mission_id=tiny.id, role="organiser"),
            Membership(user_id=user.id, mission_id=demo.id, role="organiser"),
        ]
    )
    db.session.commit()
    client.login(user.email)
    counts = []
    for mission in (tiny, demo):
        meeting = db.session.scalars(
            select(Meeting)
            .where(Meeting.mission_id == mission.id, Meeting.status == "scheduled")
            .order_by(Meeting.id)
        ).first()
        edit, page = _count(client, f"/missions/{mission.id}/meetings/{meeting.id}/edit")
        place, _ = _count(
            client, f"/missions/{mission.id}/meeting-requests/{meeting.request_id}/place"
        )
        counts.append((edit, place, page.count("<option value=")))

    (tiny_edit, tiny_place, tiny_options), (demo_edit, demo_place, demo_options) = counts
    assert (demo_edit, demo_place) == (tiny_edit, tiny_place)
    assert demo_options > tiny_options + 40  # the demo's page does list many more choices


def test_swap_with_a_locked_meeting_from_the_script_answers_422(logged_in, mission, setup):
    banque = _meeting(setup["requests"][0], setup["venue"], NINE, table=1)
    sonatel = _meeting(setup["requests"][1], setup["venue"], NINE + HALF, table=2, locked=True)
    db.session.commit()
    token = logged_in.csrf_token(_grid(mission, setup))

    response = logged_in.post(
        f"/missions/{mission.id}/meetings/{banque.id}/swap",
        data={"csrf_token": token, "version": "1", "other": f"{sonatel.id}:1"},
        headers=JSON,
    )

    assert response.status_code == 422
    assert response.get_json() == {
        "ok": False,
        "message": "Atlas Logiciels – Sonatel Pro est verrouillé : déverrouillez-le avant de "
        "l’échanger.",
        "reasons": [],
        "meeting": sonatel.id,
    }
    assert _place(banque) == (NINE, 1, "scheduled", 1)
    assert _place(sonatel) == (NINE + HALF, 2, "scheduled", 1)


def test_cancel_from_a_stale_page_flashes_the_reason_on_the_grid(logged_in, mission, setup):
    meeting = _meeting(setup["requests"][0], setup["venue"], NINE)
    db.session.commit()
    base = f"/missions/{mission.id}/meetings/{meeting.id}"
    logged_in.post_form(f"{base}/lock", {"version": "1", "locked": "1"}, token_from=f"{base}/edit")

    response = logged_in.post_form(f"{base}/cancel", {"version": "1"}, token_from=f"{base}/edit")

    assert response.status_code == 302
    assert f"refused={meeting.id}" in response.headers["Location"]
    assert _flashes(page_text(logged_in.get(response.headers["Location"]))) == [
        "Ce rendez-vous a été modifié par quelqu’un d’autre entre-temps : rechargez la grille.",
    ]
    assert _place(meeting) == (NINE, 1, "scheduled", 2)


def test_a_meeting_recorded_as_held_is_neither_draggable_nor_offered_to_move_or_swap(
    logged_in, mission, setup
):
    held = _meeting(setup["requests"][0], setup["venue"], NINE, outcome="held")
    other = _meeting(setup["requests"][1], setup["venue"], NINE + HALF, table=2)
    db.session.commit()

    grid = page_text(logged_in.get(_grid(mission, setup)))
    edit = " ".join(
        page_text(logged_in.get(f"/missions/{mission.id}/meetings/{held.id}/edit")).split()
    )
    other_edit = page_text(logged_in.get(f"/missions/{mission.id}/meetings/{other.id}/edit"))

    card = re.search(rf'<div class="grid-meeting[^"]*" id="m{held.id}"[^>]*>', grid).group(0)
    assert "draggable" not in card
    assert "Ce rendez-vous est noté comme tenu ou absent : il reste là où il a eu lieu." in edit
    assert f'action="/missions/{mission.id}/meetings/{held.id}/move"' not in edit
    assert f'action="/missions/{mission.id}/meetings/{other.id}/move"' in other_edit
    assert f'<option value="{held.id}:1" disabled>' in other_edit
    assert "(déjà tenu ou absent)" in other_edit


# ----- requests without a meeting ------------------------------------------------------------


def _unplaced_reason(page: str, pair: str) -> str:
    items = re.findall(r'<li class="unplaced".*?</li>', page, flags=re.S)
    [item] = [i for i in items if pair in re.sub(r"<[^>]+>", "", i)]
    found = re.search(r'<p class="unplaced-reason">(.*?)</p>', item, flags=re.S)
    return " ".join(found.group(1).split()) if found else ""


def test_unplaced_request_says_where_room_is_left_or_why_there_is_none(logged_in, mission, setup):
    banque, sonatel = setup["requests"]
    _meeting(banque, setup["venue"], NINE)  # Karim Benali is with Banque du Cap at 09:00
    db.session.commit()

    page = page_text(logged_in.get(_grid(mission, setup)))
    assert _unplaced_reason(page, "Atlas Logiciels – Sonatel Pro") == (
        "Créneau libre le mar. 12 mai 09:30–10:00 : placez la demande sur la grille."
    )

    # Moussa Ndiaye (Sonatel Pro) can now only meet at 09:00, when Karim is taken
    moussa = db.session.scalar(select(Person).where(Person.name == "Moussa Ndiaye"))
    db.session.add(Availability(person=moussa, start_at=NINE, end_at=NINE + HALF))
    db.session.commit()

    page = page_text(logged_in.get(_grid(mission, setup)))
    assert _unplaced_reason(page, "Atlas Logiciels – Sonatel Pro") == (
        "Possible seulement mar. 12 mai 09:00–09:30 : à ces moments, Karim Benali a déjà "
        "d'autres rendez-vous ou toutes les tables sont prises."
    )

    # the reasons are only worked out for a page that lists the requests to place
    quiet = schedule_grid.load_grid(mission, setup["leg"].id, NINE.date())
    asked = schedule_grid.load_grid(mission, setup["leg"].id, NINE.date(), explain_unplaced=True)
    assert [(u.id, u.reason) for u in quiet.unplaced] == [(sonatel.id, None)]
    assert [u.id for u in asked.unplaced] == [sonatel.id] and asked.unplaced[0].reason
