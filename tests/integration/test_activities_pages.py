"""Activities pages: the programme by leg and day, the form with its attendee picker, deletion."""

from datetime import UTC, datetime

import pytest

from mission_app.extensions import db
from mission_app.models import Activity
from tests import factories


@pytest.fixture
def lagos(mission):
    """One hour ahead of UTC all year, so that local times differ from stored ones."""
    return factories.LegFactory(
        mission=mission, city="Lagos", country="NG", timezone="Africa/Lagos"
    )


@pytest.fixture
def workshop(mission, lagos):
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Soft")
    people = [
        factories.PersonFactory(organisation=firm, name=name)
        for name in ("Amine Benali", "Salma Tazi")
    ]
    return factories.ActivityFactory(
        mission=mission,
        leg=lagos,
        title="Atelier marché des TIC",
        start_at=datetime(2026, 5, 12, 14, 0, tzinfo=UTC),
        end_at=datetime(2026, 5, 12, 16, 0, tzinfo=UTC),
        location="Hôtel Eko",
        capacity=40,
        attendees=people,
    )


def _url(mission, suffix=""):
    return f"/missions/{mission.id}/activities{suffix}"


def _form(leg, **changes):
    data = {
        "kind": "site_visit",
        "title": "Visite du technopôle",
        "leg_id": str(leg.id),
        "start": "2026-05-13T09:00",
        "end": "2026-05-13T11:30",
        "location": "Technopôle",
        "address": "Route de Diamniadio",
        "capacity": "",
    }
    data.update(changes)
    return data


def test_activities_list_shows_local_times_and_attendees_over_capacity(
    logged_in, mission, workshop
):
    page = logged_in.get(_url(mission)).get_data(as_text=True)
    assert "Lagos" in page
    assert "heures en Africa/Lagos" in page
    assert "mardi 12 mai 2026" in page
    assert "15:00–17:00" in page
    assert "Atelier marché des TIC" in page
    assert "2 / 40" in page
    assert f"/activities/{workshop.id}/edit" in page


def test_activities_list_without_legs_asks_for_a_leg_first(logged_in, mission):
    page = logged_in.get(_url(mission)).get_data(as_text=True)
    assert "Ajoutez d'abord les étapes de la mission" in page
    assert "/activities/new" not in page


def test_activities_list_for_a_viewer_has_no_edit_links(client, viewer, mission, workshop):
    client.login(viewer.email)
    page = client.get(_url(mission)).get_data(as_text=True)
    assert "Atelier marché des TIC" in page
    assert "/activities/new" not in page
    assert f"/activities/{workshop.id}/edit" not in page


def test_create_activity_page_lists_people_delegation_first(logged_in, mission, lagos):
    host = factories.OrganisationFactory(mission=mission, host=True, name="Aaa Host")
    factories.PersonFactory(organisation=host, name="Awa Diop")
    firm = factories.OrganisationFactory(mission=mission, name="Zénith Data")
    factories.PersonFactory(organisation=firm, name="Youssef Tazi")
    page = logged_in.get(_url(mission, "/new")).get_data(as_text=True)
    assert page.index("Youssef Tazi") < page.index("Awa Diop")
    assert "Toutes les personnes de la délégation" in page
    assert f'<option value="{lagos.id}">Lagos (Africa/Lagos)</option>' in page


def test_create_activity_saves_utc_times_and_attendees(logged_in, mission, lagos):
    host = factories.OrganisationFactory(mission=mission, host=True)
    host_person = factories.PersonFactory(organisation=host)
    response = logged_in.post_form(
        _url(mission, "/new"), _form(lagos, attendees=[str(host_person.id)], capacity="12")
    )
    activity = db.session.query(Activity).one()
    assert response.status_code == 302
    assert response.headers["Location"] == f"{_url(mission)}#activity-{activity.id}"
    assert (activity.kind, activity.title, activity.leg_id) == (
        "site_visit",
        "Visite du technopôle",
        lagos.id,
    )
    assert activity.start_at == datetime(2026, 5, 13, 8, 0, tzinfo=UTC)
    assert activity.end_at == datetime(2026, 5, 13, 10, 30, tzinfo=UTC)
    assert (activity.location, activity.address, activity.capacity) == (
        "Technopôle",
        "Route de Diamniadio",
        12,
    )
    assert [p.id for p in activity.attendees] == [host_person.id]


def test_create_activity_with_all_delegates_box_adds_every_delegate(logged_in, mission, lagos):
    firms = factories.OrganisationFactory.create_batch(2, mission=mission)
    delegates = [factories.PersonFactory(organisation=firm) for firm in firms]
    factories.PersonFactory(organisation__mission=mission, organisation__host=True)
    logged_in.post_form(_url(mission, "/new"), _form(lagos, all_delegates="y"))
    activity = db.session.query(Activity).one()
    assert {p.id for p in activity.attendees} == {p.id for p in delegates}


def test_create_activity_warns_about_an_attendee_s_meeting(logged_in, mission, lagos):
    request = factories.MeetingRequestFactory(mission=mission)
    delegate = factories.PersonFactory(organisation=request.delegation, name="Salma Tazi")
    factories.MeetingFactory(request=request, venue=factories.VenueFactory(leg=lagos))
    response = logged_in.post_form(
        _url(mission, "/new"),
        _form(
            lagos, start="2026-05-12T10:00", end="2026-05-12T11:00", attendees=[str(delegate.id)]
        ),
    )
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-warning"' in page
    assert "Salma Tazi a un rendez-vous à ce moment-là" in page
    assert db.session.query(Activity).count() == 1


def test_create_activity_with_end_before_start_shows_the_error(logged_in, mission, lagos):
    response = logged_in.post_form(_url(mission, "/new"), _form(lagos, end="2026-05-13T08:00"))
    assert response.status_code == 200
    assert "La fin doit venir après le début." in response.get_data(as_text=True)
    assert db.session.query(Activity).count() == 0


def test_create_activity_without_title_or_times_is_refused(logged_in, mission, lagos):
    response = logged_in.post_form(
        _url(mission, "/new"), _form(lagos, title="", start="", end="not a time")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('<p class="error">') == 3
    assert db.session.query(Activity).count() == 0


def test_create_activity_over_capacity_keeps_the_checked_people(logged_in, mission, lagos):
    firm = factories.OrganisationFactory(mission=mission)
    people = factories.PersonFactory.create_batch(2, organisation=firm)
    response = logged_in.post_form(
        _url(mission, "/new"),
        _form(lagos, capacity="1", attendees=[str(p.id) for p in people]),
    )
    page = response.get_data(as_text=True)
    assert "Cette activité accueille 1 personnes et 2 sont choisies." in page
    for person in people:
        assert f'value="{person.id}" checked' in page
    assert db.session.query(Activity).count() == 0


def test_create_activity_with_a_clash_names_the_person_and_activity(
    logged_in, mission, lagos, workshop
):
    amine = workshop.attendees[0]
    response = logged_in.post_form(
        _url(mission, "/new"),
        _form(lagos, start="2026-05-12T16:00", end="2026-05-12T18:00", attendees=[str(amine.id)]),
    )
    page = response.get_data(as_text=True)
    assert (
        "Amine Benali participe déjà à « Atelier marché des TIC » à ce moment-là "
        "(mar. 12 mai 2026, 15:00–17:00)."
    ) in page
    assert db.session.query(Activity).count() == 1


def test_create_activity_in_a_leg_of_another_mission_is_refused(logged_in, mission, lagos):
    other_leg = factories.LegFactory()
    response = logged_in.post_form(_url(mission, "/new"), _form(other_leg))
    assert response.status_code == 200
    assert db.session.query(Activity).count() == 0


def test_edit_activity_page_shows_local_times_and_checked_attendees(logged_in, mission, workshop):
    page = logged_in.get(_url(mission, f"/{workshop.id}/edit")).get_data(as_text=True)
    assert 'value="2026-05-12T15:00"' in page
    assert 'value="2026-05-12T17:00"' in page
    for person in workshop.attendees:
        assert f'value="{person.id}" checked' in page


def test_edit_activity_changes_it_and_its_attendees(logged_in, mission, lagos, workshop):
    keep = workshop.attendees[1]
    response = logged_in.post_form(
        _url(mission, f"/{workshop.id}/edit"),
        _form(lagos, kind="workshop", title="Atelier TIC", attendees=[str(keep.id)]),
    )
    assert response.status_code == 302
    assert workshop.title == "Atelier TIC"
    assert workshop.start_at == datetime(2026, 5, 13, 8, 0, tzinfo=UTC)
    assert [p.id for p in workshop.attendees] == [keep.id]


def test_edit_activity_of_another_mission_is_not_found(logged_in, mission):
    other = factories.ActivityFactory()
    assert logged_in.get(_url(mission, f"/{other.id}/edit")).status_code == 404


def test_delete_activity_asks_then_deletes(logged_in, mission, workshop):
    page = logged_in.get(_url(mission, f"/{workshop.id}/delete")).get_data(as_text=True)
    assert "Supprimer Atelier marché des TIC ?" in page
    assert "Ses participants redeviennent libres sur cette plage horaire." in page
    assert db.session.query(Activity).count() == 1
    response = logged_in.post_form(_url(mission, f"/{workshop.id}/delete"))
    assert response.headers["Location"] == _url(mission)
    assert db.session.query(Activity).count() == 0


def test_viewer_cannot_create_edit_or_delete_activities(client, viewer, mission, lagos, workshop):
    client.login(viewer.email)
    token = client.csrf_token(_url(mission))
    assert client.get(_url(mission, "/new")).status_code == 403
    assert (
        client.post(_url(mission, "/new"), data={"csrf_token": token, **_form(lagos)}).status_code
        == 403
    )
    assert client.get(_url(mission, f"/{workshop.id}/edit")).status_code == 403
    assert (
        client.post(_url(mission, f"/{workshop.id}/delete"), data={"csrf_token": token}).status_code
        == 403
    )
    assert db.session.query(Activity).count() == 1


def test_organiser_of_another_mission_gets_not_found(other_client, mission, workshop):
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="organiser")
    db.session.commit()
    other_client.login(stranger.email)
    assert other_client.get(_url(mission)).status_code == 404
    assert other_client.get(_url(mission, "/new")).status_code == 404
    assert other_client.get(_url(mission, f"/{workshop.id}/edit")).status_code == 404
    assert other_client.get(_url(mission, f"/{workshop.id}/delete")).status_code == 404
