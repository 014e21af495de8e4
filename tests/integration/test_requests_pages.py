"""Meeting request pages: the summary, one firm's hosts, one request, and the matrix."""

import pytest

from mission_app.extensions import db
from mission_app.models import Meeting, MeetingRequest
from tests import factories


@pytest.fixture
def setting(mission):
    """Two legs, two firms, three hosts (two in Dakar, one in Nouakchott), two requests."""
    dakar = factories.LegFactory(mission=mission, key="dakar", position=1)
    nouakchott = factories.LegFactory(
        mission=mission,
        key="nouakchott",
        position=2,
        city="Nouakchott",
        country="MR",
        timezone="Africa/Nouakchott",
    )
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Soft")
    cyber = factories.OrganisationFactory(mission=mission, name="Maghreb Cyber")
    sonatel = factories.OrganisationFactory(
        mission=mission, host=True, name="Sonatel", category="operator"
    )
    sonadis = factories.OrganisationFactory(
        mission=mission, host=True, name="Sonadis", category="purchasing"
    )
    mauritel = factories.OrganisationFactory(
        mission=mission, host=True, name="Mauritel", country="MR"
    )
    must = factories.MeetingRequestFactory(
        mission=mission, delegation=atlas, host=sonatel, priority=1
    )
    normal = factories.MeetingRequestFactory(
        mission=mission, delegation=atlas, host=mauritel, priority=3
    )
    return {
        "dakar": dakar,
        "nouakchott": nouakchott,
        "atlas": atlas,
        "cyber": cyber,
        "sonatel": sonatel,
        "sonadis": sonadis,
        "mauritel": mauritel,
        "must": must,
        "normal": normal,
    }


def _url(mission, suffix=""):
    return f"/missions/{mission.id}/requests{suffix}"


def _requests(firm):
    return {
        r.host_id: (r.priority, r.requested_by, r.duration_slots)
        for r in db.session.query(MeetingRequest).filter_by(delegation_id=firm.id)
    }


def _firm_form(rows):
    """Form data for the firm page: rows of (host, selected, priority, requested_by, slots)."""
    data = {}
    for index, (host, selected, priority, requested_by, slots) in enumerate(rows):
        data[f"hosts-{index}-host_id"] = str(host.id)
        if selected:
            data[f"hosts-{index}-selected"] = "y"
        data[f"hosts-{index}-priority"] = str(priority)
        data[f"hosts-{index}-requested_by"] = requested_by
        data[f"hosts-{index}-duration_slots"] = str(slots)
    return data


# ----------------------------------------------------------------------------- summary


def test_requests_list_counts_per_priority(logged_in, mission, setting):
    page = logged_in.get(_url(mission)).get_data(as_text=True)
    atlas_row = page[page.index(f'id="firm-{setting["atlas"].id}"') :]
    atlas_row = atlas_row[: atlas_row.index("</tr>")]
    assert [cell.split(">")[-1] for cell in atlas_row.split("</td>")[1:5]] == ["1", "·", "1", ""]
    assert "<strong>2</strong>" in atlas_row
    assert "2 entreprises" in page
    assert _url(mission, f"/{setting['cyber'].id}") in page


def test_requests_list_for_a_viewer_has_no_edit_links(client, viewer, mission, setting):
    client.login(viewer.email)
    page = client.get(_url(mission)).get_data(as_text=True)
    assert "Atlas Soft" in page
    assert _url(mission, f"/{setting['atlas'].id}") not in page


# ----------------------------------------------------------------------------- one firm


def test_firm_page_lists_hosts_by_leg_and_checks_the_requested_ones(logged_in, mission, setting):
    page = logged_in.get(_url(mission, f"/{setting['atlas'].id}")).get_data(as_text=True)
    assert page.index("Dakar") < page.index("Sonadis") < page.index("Sonatel")
    assert page.index("Sonatel") < page.index("Nouakchott") < page.index("Mauritel")
    assert page.index("Directeur des achats") < page.index("Opérateur TIC")
    sonatel, sonadis = setting["sonatel"].id, setting["sonadis"].id
    assert f'checked id="host-{sonatel}-on" name="hosts-' in page
    assert f'<input aria-describedby="host-{sonadis}-name" id="host-{sonadis}-on"' in page
    assert "Enregistrer et passer à Maghreb Cyber" in page


def test_firm_page_warns_when_a_request_has_a_meeting(logged_in, mission, setting):
    venue = factories.VenueFactory(leg=setting["dakar"])
    factories.MeetingFactory(request=setting["must"], venue=venue)
    page = logged_in.get(_url(mission, f"/{setting['atlas'].id}")).get_data(as_text=True)
    assert "Décocher un hôte qui a déjà un rendez-vous planifié supprime aussi ce rendez-vous." in (
        page.replace("&#39;", "'")
    )
    assert "Rendez-vous planifié" in page


def test_firm_page_saves_all_hosts_at_once(logged_in, mission, setting):
    atlas = setting["atlas"]
    venue = factories.VenueFactory(leg=setting["dakar"])
    factories.MeetingFactory(request=setting["normal"], venue=venue)
    response = logged_in.post_form(
        _url(mission, f"/{atlas.id}"),
        _firm_form(
            [
                (setting["sonadis"], True, 2, "host", 1),
                (setting["sonatel"], True, 1, "both", 2),
                (setting["mauritel"], False, 3, "delegation", 1),
            ]
        ),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == _url(mission, f"/{atlas.id}")
    assert _requests(atlas) == {
        setting["sonadis"].id: (2, "host", 1),
        setting["sonatel"].id: (1, "both", 2),
    }
    assert db.session.query(Meeting).count() == 0
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert (
        "Demandes de Atlas Soft enregistrées : 1 ajoutée(s), 1 modifiée(s), 1 supprimée(s)." in page
    )
    assert "1 rendez-vous planifié a été supprimé avec sa demande." in page


def test_firm_page_save_and_next_goes_to_the_next_firm(logged_in, mission, setting):
    response = logged_in.post_form(
        _url(mission, f"/{setting['atlas'].id}"),
        {"then": "next", **_firm_form([(setting["sonatel"], True, 1, "delegation", 1)])},
    )
    assert response.headers["Location"] == _url(mission, f"/{setting['cyber'].id}")
    assert _requests(setting["atlas"]) == {setting["sonatel"].id: (1, "delegation", 1)}


def test_firm_page_with_an_unknown_priority_is_refused(logged_in, mission, setting):
    response = logged_in.post_form(
        _url(mission, f"/{setting['atlas'].id}"),
        _firm_form([(setting["sonadis"], True, 7, "delegation", 1)]),
    )
    assert response.status_code == 200
    assert 'class="host-row has-error"' in response.get_data(as_text=True)
    assert set(_requests(setting["atlas"])) == {setting["sonatel"].id, setting["mauritel"].id}


def test_firm_page_with_zero_slots_is_refused(logged_in, mission, setting):
    response = logged_in.post_form(
        _url(mission, f"/{setting['atlas'].id}"),
        _firm_form([(setting["sonadis"], True, 3, "delegation", 0)]),
    )
    assert response.status_code == 200
    assert set(_requests(setting["atlas"])) == {setting["sonatel"].id, setting["mauritel"].id}


def test_firm_page_with_empty_slots_means_one_slot(logged_in, mission, setting):
    data = _firm_form([(setting["sonadis"], True, 2, "delegation", 1)])
    data["hosts-0-duration_slots"] = ""
    response = logged_in.post_form(_url(mission, f"/{setting['atlas'].id}"), data)
    assert response.status_code == 302
    assert _requests(setting["atlas"]) == {setting["sonadis"].id: (2, "delegation", 1)}


def test_firm_page_with_a_host_of_another_mission_writes_nothing(logged_in, mission, setting):
    theirs = factories.OrganisationFactory(host=True)
    response = logged_in.post_form(
        _url(mission, f"/{setting['atlas'].id}"),
        _firm_form([(theirs, True, 3, "delegation", 1)]),
    )
    assert response.status_code == 200
    assert "Choisissez les hôtes parmi les organisations hôtes de cette mission." in (
        response.get_data(as_text=True)
    )
    assert set(_requests(setting["atlas"])) == {setting["sonatel"].id, setting["mauritel"].id}


def test_firm_page_of_a_host_is_not_found(logged_in, mission, setting):
    assert logged_in.get(_url(mission, f"/{setting['sonatel'].id}")).status_code == 404


# ----------------------------------------------------------------------------- one request


def test_request_page_shows_both_organisations_people(logged_in, mission, setting):
    delegate = factories.PersonFactory(organisation=setting["atlas"], name="Amine Benali")
    host_person = factories.PersonFactory(organisation=setting["sonatel"], name="Awa Diop")
    page = logged_in.get(f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit")
    text = page.get_data(as_text=True)
    assert "Atlas Soft rencontre Sonatel" in text
    assert f'value="{delegate.id}"' in text and f'value="{host_person.id}"' in text
    assert "Impérative" in text


def test_request_page_shows_when_and_where_the_meeting_is(logged_in, mission, setting):
    venue = factories.VenueFactory(leg=setting["dakar"], name="Hôtel Terrou-Bi")
    factories.MeetingFactory(request=setting["must"], venue=venue, table_number=4)
    url = f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit"
    text = " ".join(logged_in.get(url).get_data(as_text=True).split())
    assert "mar. 12 mai, 09:00–09:30" in text
    assert "(Africa/Dakar) · Hôtel Terrou-Bi, table 4" in text


def test_request_page_saves_attendees_and_length(logged_in, mission, setting):
    delegate = factories.PersonFactory(organisation=setting["atlas"])
    factories.PersonFactory(organisation=setting["sonatel"])
    url = f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit"
    response = logged_in.post_form(url, {"attendees": [str(delegate.id)], "duration_slots": "2"})
    assert response.headers["Location"] == _url(mission, f"/{setting['atlas'].id}")
    assert [p.id for p in setting["must"].attendees] == [delegate.id]
    assert setting["must"].duration_slots == 2


def test_request_page_refuses_someone_of_a_third_organisation(logged_in, mission, setting):
    outsider = factories.PersonFactory(organisation=setting["cyber"])
    url = f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit"
    response = logged_in.post_form(url, {"attendees": [str(outsider.id)], "duration_slots": "1"})
    assert response.status_code == 200
    assert "Choisissez les participants parmi les personnes des deux organisations." in (
        response.get_data(as_text=True)
    )
    assert setting["must"].attendees == []


def test_request_page_refuses_a_length_out_of_range(logged_in, mission, setting):
    url = f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit"
    response = logged_in.post_form(url, {"duration_slots": "17"})
    assert response.status_code == 200
    assert setting["must"].duration_slots == 1


def test_request_page_of_another_mission_is_not_found(logged_in, mission):
    other = factories.MeetingRequestFactory()
    url = f"/missions/{mission.id}/meeting-requests/{other.id}/edit"
    assert logged_in.get(url).status_code == 404


# ----------------------------------------------------------------------------- matrix


def test_matrix_shows_priorities_counts_and_one_form(logged_in, mission, setting):
    page = logged_in.get(_url(mission, "/matrix")).get_data(as_text=True)
    atlas, sonatel, sonadis = setting["atlas"], setting["sonatel"], setting["sonadis"]
    assert page.count(f'<form method="post" action="/missions/{mission.id}/requests/matrix/') == 1
    assert page.count('<button name="cell"') == 2 * 3
    matrix_form = page[page.index('<form method="post" action="/missions/') :]
    matrix_form = matrix_form[: matrix_form.index("</form>")]
    assert matrix_form.count('name="csrf_token"') == 1
    assert matrix_form.count('<button name="cell"') == 2 * 3
    assert (
        f'<button name="cell" value="{atlas.id}-{sonatel.id}" id="c{atlas.id}-{sonatel.id}" '
        f'aria-labelledby="r{atlas.id} h{sonatel.id}" class="p1">1</button>'
    ) in page
    assert (
        f'<button name="cell" value="{atlas.id}-{sonadis.id}" id="c{atlas.id}-{sonadis.id}" '
        f'aria-labelledby="r{atlas.id} h{sonadis.id}"></button>'
    ) in page
    assert f'<span id="rc{atlas.id}" class="count">2</span>' in page
    assert f'<span id="cc{sonatel.id}" class="count">1</span>' in page
    assert "2 demandes · 2 entreprises × 3 hôtes" in page
    assert "vendor/htmx-2.0.11.min.js" in page
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in page


def test_matrix_marks_a_request_with_a_meeting(logged_in, mission, setting):
    venue = factories.VenueFactory(leg=setting["dakar"])
    factories.MeetingFactory(request=setting["must"], venue=venue)
    page = logged_in.get(_url(mission, "/matrix")).get_data(as_text=True)
    assert 'class="p1 m">1</button>' in page


def test_matrix_for_one_leg_shows_only_its_hosts(logged_in, mission, setting):
    page = logged_in.get(_url(mission, f"/matrix?leg={setting['nouakchott'].id}"))
    text = page.get_data(as_text=True)
    assert f'id="h{setting["mauritel"].id}"' in text
    assert f'id="h{setting["sonatel"].id}"' not in text
    assert (
        f'action="/missions/{mission.id}/requests/matrix/toggle?leg={setting["nouakchott"].id}"'
        in text
    )


def test_matrix_for_a_viewer_is_read_only(client, viewer, mission, setting):
    client.login(viewer.email)
    page = client.get(_url(mission, "/matrix")).get_data(as_text=True)
    assert '<span class="p1">1</span>' in page
    assert 'name="cell"' not in page
    assert "toggle" not in page
    assert "htmx" not in page


def test_matrix_is_not_found_for_an_organiser_of_another_mission(other_client, mission, setting):
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="organiser")
    db.session.commit()
    other_client.login(stranger.email)
    assert other_client.get(_url(mission, "/matrix")).status_code == 404
    assert other_client.get(_url(mission)).status_code == 404
    assert other_client.get(_url(mission, f"/{setting['atlas'].id}")).status_code == 404


def test_toggle_switches_a_request_on_and_returns_to_the_cell(logged_in, mission, setting):
    atlas, sonadis = setting["atlas"], setting["sonadis"]
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{atlas.id}-{sonadis.id}"},
        token_from=_url(mission, "/matrix"),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == _url(mission, f"/matrix#c{atlas.id}-{sonadis.id}")
    assert _requests(atlas)[sonadis.id] == (3, "organiser", 1)


def test_toggle_keeps_the_leg_filter(logged_in, mission, setting):
    leg = setting["nouakchott"]
    response = logged_in.post_form(
        _url(mission, f"/matrix/toggle?leg={leg.id}"),
        {"cell": f"{setting['cyber'].id}-{setting['mauritel'].id}"},
        token_from=_url(mission, "/matrix"),
    )
    assert response.headers["Location"] == _url(
        mission, f"/matrix?leg={leg.id}#c{setting['cyber'].id}-{setting['mauritel'].id}"
    )


def test_toggle_switches_a_request_off_with_its_meeting(logged_in, mission, setting):
    venue = factories.VenueFactory(leg=setting["dakar"])
    factories.MeetingFactory(request=setting["must"], venue=venue)
    logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{setting['atlas'].id}-{setting['sonatel'].id}"},
        token_from=_url(mission, "/matrix"),
    )
    assert setting["sonatel"].id not in _requests(setting["atlas"])
    assert db.session.query(Meeting).count() == 0


def test_toggle_with_htmx_returns_only_the_cell_and_its_counts(logged_in, mission, setting):
    atlas, sonadis = setting["atlas"], setting["sonadis"]
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{atlas.id}-{sonadis.id}"},
        token_from=_url(mission, "/matrix"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    lines = [line for line in response.get_data(as_text=True).splitlines() if line.strip()]
    assert lines == [
        f'<button name="cell" value="{atlas.id}-{sonadis.id}" id="c{atlas.id}-{sonadis.id}" '
        f'aria-labelledby="r{atlas.id} h{sonadis.id}" class="p3" hx-swap-oob="true">3</button>',
        f'<span id="rc{atlas.id}" class="count" hx-swap-oob="true">3</span>',
        f'<span id="cc{sonadis.id}" class="count" hx-swap-oob="true">1</span>',
    ]


def test_toggle_off_with_htmx_returns_an_empty_cell(logged_in, mission, setting):
    atlas, sonatel = setting["atlas"], setting["sonatel"]
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{atlas.id}-{sonatel.id}"},
        token_from=_url(mission, "/matrix"),
        headers={"HX-Request": "true"},
    )
    text = response.get_data(as_text=True)
    assert f'aria-labelledby="r{atlas.id} h{sonatel.id}" hx-swap-oob="true"></button>' in text
    assert f'<span id="cc{sonatel.id}" class="count" hx-swap-oob="true">0</span>' in text


def test_toggle_with_an_unreadable_cell_goes_back_with_a_message(logged_in, mission, setting):
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"), {"cell": "nonsense"}, token_from=_url(mission, "/matrix")
    )
    assert response.headers["Location"] == _url(mission, "/matrix")
    page = logged_in.get(_url(mission, "/matrix")).get_data(as_text=True)
    assert "Rechargez la matrice et cliquez de nouveau sur la case." in page


def test_toggle_with_htmx_and_a_refused_pair_asks_for_a_reload(logged_in, mission, setting):
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{setting['sonatel'].id}-{setting['atlas'].id}"},
        token_from=_url(mission, "/matrix"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"
    page = logged_in.get(_url(mission, "/matrix")).get_data(as_text=True)
    assert "Une demande va d&#39;une entreprise de la délégation vers un hôte." in page
    assert set(_requests(setting["sonatel"])) == set()


def test_toggle_with_an_organisation_of_another_mission_is_not_found(logged_in, mission, setting):
    theirs = factories.OrganisationFactory(host=True)
    response = logged_in.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{setting['atlas'].id}-{theirs.id}"},
        token_from=_url(mission, "/matrix"),
    )
    assert response.status_code == 404
    assert theirs.id not in _requests(setting["atlas"])


def test_viewer_cannot_change_requests(client, viewer, mission, setting):
    client.login(viewer.email)
    token = client.csrf_token(_url(mission, "/matrix"))
    cell = f"{setting['cyber'].id}-{setting['sonatel'].id}"
    toggle = client.post(_url(mission, "/matrix/toggle"), data={"csrf_token": token, "cell": cell})
    assert toggle.status_code == 403
    assert client.get(_url(mission, f"/{setting['atlas'].id}")).status_code == 403
    firm_post = client.post(
        _url(mission, f"/{setting['atlas'].id}"),
        data={"csrf_token": token, **_firm_form([])},
    )
    assert firm_post.status_code == 403
    edit_url = f"/missions/{mission.id}/meeting-requests/{setting['must'].id}/edit"
    assert client.get(edit_url).status_code == 403
    assert (
        client.post(edit_url, data={"csrf_token": token, "duration_slots": "3"}).status_code == 403
    )
    assert db.session.query(MeetingRequest).count() == 2
    assert setting["must"].duration_slots == 1
