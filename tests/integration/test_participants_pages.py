"""Organisations and people, through the organiser pages."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Availability, MeetingRequest, Organisation, Person
from tests import factories
from tests.conftest import page_text


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _org_form(**overrides) -> dict:
    form = {
        "name": "Atlas Cyber",
        "side": "delegation",
        "category": "ict_firm",
        "country": "MA",
        "leg_id": "",
        "sectors": "cybersécurité, cloud",
        "description": "Éditeur marocain de solutions de sécurité.",
    }
    form.update(overrides)
    return form


def test_list_shows_organisations_with_their_people(logged_in, mission):
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    factories.PersonFactory(organisation=firm, name="Salma Benali", position="CEO")
    page = logged_in.get(f"/missions/{mission.id}/organisations").get_data(as_text=True)
    assert "Atlas Cyber" in page
    assert "Salma Benali" in page
    assert "1 organisation" in page


def test_list_filters_by_side_country_category_and_search(logged_in, mission):
    factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    factories.OrganisationFactory(
        mission=mission, name="Sonatel Achats", host=True, category="purchasing"
    )
    factories.OrganisationFactory(mission=mission, name="Mauritel DSI", host=True, country="MR")
    url = f"/missions/{mission.id}/organisations"

    def names(query: str) -> list[str]:
        page = logged_in.get(f"{url}?{query}").get_data(as_text=True)
        return [n for n in ("Atlas Cyber", "Sonatel Achats", "Mauritel DSI") if n in page]

    assert names("side=host") == ["Sonatel Achats", "Mauritel DSI"]
    assert names("country=MR") == ["Mauritel DSI"]
    assert names("category=purchasing") == ["Sonatel Achats"]
    assert names("q=atlas") == ["Atlas Cyber"]
    assert names("side=host&country=SN") == ["Sonatel Achats"]


def test_search_finds_an_organisation_by_its_person(logged_in, mission):
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    factories.PersonFactory(organisation=firm, name="Youssef El Idrissi")
    factories.OrganisationFactory(mission=mission, name="Autre Société")
    page = logged_in.get(f"/missions/{mission.id}/organisations?q=idrissi").get_data(as_text=True)
    assert "Atlas Cyber" in page
    assert "Autre Société" not in page


def test_list_with_no_match_says_so(logged_in, mission):
    factories.OrganisationFactory(mission=mission)
    page = logged_in.get(f"/missions/{mission.id}/organisations?q=zzz").get_data(as_text=True)
    assert "Aucune organisation ne correspond à ces filtres." in page


def test_create_organisation_then_see_it(logged_in, mission):
    response = logged_in.post_form(f"/missions/{mission.id}/organisations/new", _org_form())
    firm = db.session.scalar(select(Organisation))
    assert response.headers["Location"] == f"/missions/{mission.id}/organisations/{firm.id}"
    assert (firm.key, firm.name, firm.country, firm.sectors) == (
        "atlas-cyber",
        "Atlas Cyber",
        "MA",
        ["cybersécurité", "cloud"],
    )
    page = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Éditeur marocain de solutions de sécurité." in page


def test_create_host_attached_to_a_leg(logged_in, mission):
    leg = factories.LegFactory(mission=mission, city="Nouakchott", country="MR")
    logged_in.post_form(
        f"/missions/{mission.id}/organisations/new",
        _org_form(
            name="Mauritel", side="host", category="operator", country="mr", leg_id=str(leg.id)
        ),
    )
    host = db.session.scalar(select(Organisation))
    assert (host.side, host.category, host.country, host.leg_id) == (
        "host",
        "operator",
        "MR",
        leg.id,
    )


def test_create_delegation_firm_with_a_host_category_is_refused(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/new", _org_form(category="distributor")
    )
    assert "Une entreprise de la délégation est une entreprise TIC." in page_text(response)
    assert _count(Organisation) == 0


def test_create_organisation_with_leg_of_another_mission_is_refused(logged_in, mission):
    foreign = factories.LegFactory()
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/new",
        _org_form(side="host", category="distributor", country="SN", leg_id=str(foreign.id)),
    )
    assert response.status_code == 200
    assert _count(Organisation) == 0


def test_create_organisation_with_two_names_alike_gets_distinct_keys(logged_in, mission):
    for _ in range(2):
        logged_in.post_form(f"/missions/{mission.id}/organisations/new", _org_form())
    keys = db.session.scalars(select(Organisation.key).order_by(Organisation.id)).all()
    assert keys == ["atlas-cyber", "atlas-cyber-2"]


def test_edit_organisation(logged_in, mission):
    firm = factories.OrganisationFactory(mission=mission, name="Atlas")
    form = logged_in.get(f"/missions/{mission.id}/organisations/{firm.id}/edit").get_data(
        as_text=True
    )
    assert 'value="logiciel"' in form
    logged_in.post_form(
        f"/missions/{mission.id}/organisations/{firm.id}/edit", _org_form(name="Atlas Group")
    )
    assert firm.name == "Atlas Group"


def test_delete_organisation_asks_then_deletes_people_and_requests(logged_in, mission):
    request = factories.MeetingRequestFactory(mission=mission)
    firm = request.delegation
    factories.PersonFactory(organisation=firm)
    url = f"/missions/{mission.id}/organisations/{firm.id}/delete"
    assert "Ses représentants, ses demandes" in logged_in.get(url).get_data(as_text=True)
    response = logged_in.post_form(url)
    assert response.headers["Location"] == f"/missions/{mission.id}/organisations"
    assert _count(Person) == 0
    assert _count(MeetingRequest) == 0
    assert _count(Organisation) == 1  # the host stays


def test_viewer_cannot_create_edit_or_delete(client, viewer, mission):
    firm = factories.OrganisationFactory(mission=mission)
    client.login(viewer.email)
    page = client.get(f"/missions/{mission.id}/organisations").get_data(as_text=True)
    assert "Ajouter un hôte" not in page
    for url in (
        f"/missions/{mission.id}/organisations/new",
        f"/missions/{mission.id}/organisations/{firm.id}/edit",
        f"/missions/{mission.id}/organisations/{firm.id}/delete",
    ):
        assert client.get(url).status_code == 403
        token = client.csrf_token(f"/missions/{mission.id}/organisations")
        assert client.post(url, data={"csrf_token": token, **_org_form()}).status_code == 403
    assert _count(Organisation) == 1


def test_organiser_of_another_mission_gets_404_on_its_people(logged_in, mission):
    person = factories.PersonFactory()
    other_mission_id = person.mission_id
    assert logged_in.get(f"/missions/{other_mission_id}/organisations").status_code == 404
    assert logged_in.get(f"/missions/{mission.id}/people/{person.id}/edit").status_code == 404
    url = f"/missions/{mission.id}/organisations/{person.organisation_id}"
    assert logged_in.get(url).status_code == 404


def test_add_person_with_availability_in_the_leg_zone(logged_in, mission):
    leg = factories.LegFactory(mission=mission, country="MA", timezone="Africa/Casablanca")
    firm = factories.OrganisationFactory(mission=mission, country="MA")
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/{firm.id}/people/new",
        {
            "name": "Salma Benali",
            "position": "Directrice générale",
            "email": "Salma@Atlas.example",
            "phone": "+212 6 12 34 56 78",
            "languages": ["fr", "ar"],
            "available-0-start": "2026-05-12T08:00",
            "available-0-end": "2026-05-12T13:00",
        },
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person))
    assert (person.key, person.email, person.languages) == (
        "salma-benali",
        "salma@atlas.example",
        ["fr", "ar"],
    )
    window = db.session.scalar(select(Availability))
    assert leg.timezone == "Africa/Casablanca"
    assert window.start_at == datetime(2026, 5, 12, 7, 0, tzinfo=UTC)  # UTC+1 in May
    assert window.end_at == datetime(2026, 5, 12, 12, 0, tzinfo=UTC)


def test_add_person_with_bad_email_and_reversed_availability_shows_errors(logged_in, mission):
    firm = factories.OrganisationFactory(mission=mission)
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/{firm.id}/people/new",
        {
            "name": "Salma",
            "email": "pas-une-adresse",
            "available-0-start": "2026-05-12T13:00",
            "available-0-end": "2026-05-12T08:00",
        },
    )
    page = page_text(response)
    assert "Ce n'est pas une adresse e-mail." in page
    assert _count(Person) == 0


def test_add_person_with_reversed_availability_names_the_problem(logged_in, mission):
    firm = factories.OrganisationFactory(mission=mission)
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/{firm.id}/people/new",
        {
            "name": "Salma",
            "available-0-start": "2026-05-12T13:00",
            "available-0-end": "2026-05-12T08:00",
        },
    )
    assert "Chaque disponibilité doit finir après son début." in page_text(response)
    assert _count(Person) == 0


def test_edit_person_shows_and_replaces_availability(logged_in, mission):
    factories.LegFactory(mission=mission, country="MA", timezone="Africa/Casablanca")
    person = factories.PersonFactory(organisation=factories.OrganisationFactory(mission=mission))
    db.session.add(
        Availability(
            person=person,
            start_at=datetime(2026, 5, 12, 7, 0, tzinfo=UTC),
            end_at=datetime(2026, 5, 12, 12, 0, tzinfo=UTC),
        )
    )
    url = f"/missions/{mission.id}/people/{person.id}/edit"
    form = logged_in.get(url).get_data(as_text=True)
    assert 'value="2026-05-12T08:00"' in form  # shown back in Casablanca time
    logged_in.post_form(url, {"name": "Nouveau Nom", "position": "DSI"})
    assert (person.name, person.position) == ("Nouveau Nom", "DSI")
    assert _count(Availability) == 0


def test_delete_person_asks_then_deletes(logged_in, mission):
    person = factories.PersonFactory(organisation=factories.OrganisationFactory(mission=mission))
    url = f"/missions/{mission.id}/people/{person.id}/delete"
    assert logged_in.get(url).status_code == 200
    logged_in.post_form(url)
    assert _count(Person) == 0
    assert _count(Organisation) == 1


def test_side_of_an_organisation_with_requests_cannot_change(logged_in, mission):
    request = factories.MeetingRequestFactory(mission=mission)
    firm = request.delegation
    response = logged_in.post_form(
        f"/missions/{mission.id}/organisations/{firm.id}/edit",
        _org_form(name=firm.name, side="host", category="information_systems", country="SN"),
    )
    assert (
        f"{firm.name} a des demandes de rendez-vous : retirez-les avant de changer son côté."
        in page_text(response)
    )
    assert (firm.side, firm.category) == ("delegation", "ict_firm")


def test_add_host_form_starts_with_a_host_category(logged_in, mission):
    page = page_text(logged_in.get(f"/missions/{mission.id}/organisations/new?side=host"))
    assert '<option selected value="purchasing">' in page
    assert '<optgroup label="Hôte">' in page


def test_search_ignores_accents_and_case_and_takes_percent_literally(logged_in, mission):
    factories.OrganisationFactory(mission=mission, name="Compagnie d'Électricité de la Teranga")
    factories.OrganisationFactory(mission=mission, name="Société Générale de Logiciels")
    url = f"/missions/{mission.id}/organisations?q="
    assert "Électricité" in page_text(logged_in.get(url + "ÉLECTRICITÉ de la"))
    assert "Société Générale" in page_text(logged_in.get(url + "societe generale"))
    assert "Aucune organisation ne correspond" in page_text(logged_in.get(url + "%"))
