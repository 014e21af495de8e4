"""The meeting requests service: per firm, per cell, per request, and the matrix."""

import pytest

from mission_app.extensions import db
from mission_app.models import Meeting, MeetingRequest
from mission_app.services import meeting_requests as service
from mission_app.services.errors import NotFound, ValidationFailed
from tests import factories


@pytest.fixture(autouse=True)
def request_ctx(app_ctx):
    """Reasons are translated into the request's language (French by default)."""
    with app_ctx.test_request_context():
        yield


@pytest.fixture
def legs(mission):
    dakar = factories.LegFactory(mission=mission, key="dakar", position=1)
    nouakchott = factories.LegFactory(
        mission=mission,
        key="nouakchott",
        position=2,
        city="Nouakchott",
        country="MR",
        timezone="Africa/Nouakchott",
    )
    return dakar, nouakchott


def _host(mission, name, **kwargs):
    return factories.OrganisationFactory(mission=mission, host=True, name=name, **kwargs)


def _firm(mission, name):
    return factories.OrganisationFactory(mission=mission, name=name)


def _requests_of(firm):
    return {
        r.host_id: (r.priority, r.requested_by, r.duration_slots)
        for r in db.session.query(MeetingRequest).filter_by(delegation_id=firm.id)
    }


def test_set_firm_requests_adds_changes_and_removes(organiser, mission):
    firm = _firm(mission, "Atlas Soft")
    kept, dropped, added = (_host(mission, n) for n in ("Sonatel", "Sonadis", "Free Sénégal"))
    factories.MeetingRequestFactory(mission=mission, delegation=firm, host=kept, priority=3)
    factories.MeetingRequestFactory(mission=mission, delegation=firm, host=dropped)
    summary = service.set_firm_requests(
        organiser,
        firm,
        [
            service.RequestChoice(kept.id, 1, "both", 2),
            service.RequestChoice(added.id, 2, "host", 1),
        ],
    )
    assert summary == service.SaveSummary(added=1, changed=1, removed=1, meetings_removed=0)
    assert _requests_of(firm) == {kept.id: (1, "both", 2), added.id: (2, "host", 1)}
    new_request = db.session.query(MeetingRequest).filter_by(host_id=added.id).one()
    assert new_request.key == f"{firm.key}-{added.key}"
    assert new_request.mission_id == mission.id


def test_set_firm_requests_removing_a_request_deletes_its_meeting(organiser, mission):
    firm = _firm(mission, "Atlas Soft")
    request = factories.MeetingRequestFactory(mission=mission, delegation=firm)
    venue = factories.VenueFactory(leg__mission=mission)
    factories.MeetingFactory(request=request, venue=venue)
    summary = service.set_firm_requests(organiser, firm, [])
    assert summary == service.SaveSummary(added=0, changed=0, removed=1, meetings_removed=1)
    assert db.session.query(Meeting).count() == 0


def test_set_firm_requests_refuses_a_host_of_another_mission_and_writes_nothing(organiser, mission):
    firm = _firm(mission, "Atlas Soft")
    ours = _host(mission, "Sonatel")
    theirs = factories.OrganisationFactory(host=True)
    with pytest.raises(ValidationFailed) as failure:
        service.set_firm_requests(
            organiser,
            firm,
            [
                service.RequestChoice(ours.id, 3, "delegation"),
                service.RequestChoice(theirs.id, 3, "delegation"),
            ],
        )
    assert [str(r) for r in failure.value.errors[""]] == [
        "Choisissez les hôtes parmi les organisations hôtes de cette mission."
    ]
    assert _requests_of(firm) == {}


def test_set_firm_requests_refuses_a_delegation_firm_as_host(organiser, mission):
    firm, other_firm = _firm(mission, "Atlas Soft"), _firm(mission, "Maghreb Cyber")
    with pytest.raises(ValidationFailed):
        service.set_firm_requests(
            organiser, firm, [service.RequestChoice(other_firm.id, 3, "delegation")]
        )


def test_set_firm_requests_lists_each_broken_rule_once(organiser, mission):
    firm = _firm(mission, "Atlas Soft")
    hosts = [_host(mission, n) for n in ("Sonatel", "Sonadis")]
    with pytest.raises(ValidationFailed) as failure:
        service.set_firm_requests(
            organiser,
            firm,
            [
                service.RequestChoice(hosts[0].id, 5, "delegation", 1),
                service.RequestChoice(hosts[1].id, 4, "delegation", 17),
                service.RequestChoice(hosts[1].id, 3, "someone", 1),
            ],
        )
    assert [str(r) for r in failure.value.errors[""]] == [
        "La priorité est Impérative, Haute ou Normale.",
        "Un rendez-vous dure de 1 à 16 créneaux.",
        "Indiquez qui a demandé le rendez-vous.",
        "Chaque hôte ne peut être choisi qu'une fois.",
    ]


def test_set_firm_requests_refuses_a_host_as_the_asking_firm(organiser, mission):
    host = _host(mission, "Sonatel")
    with pytest.raises(ValidationFailed):
        service.set_firm_requests(organiser, host, [])


def test_toggle_request_switches_on_as_normal_by_the_organiser_then_off(organiser, mission):
    firm, host = _firm(mission, "Atlas Soft"), _host(mission, "Sonatel")
    made = service.toggle_request(organiser, mission, firm.id, host.id)
    assert (made.priority, made.requested_by, made.duration_slots) == (3, "organiser", 1)
    assert service.toggle_request(organiser, mission, firm.id, host.id) is None
    assert db.session.query(MeetingRequest).count() == 0


def test_toggle_request_keys_stay_unique(organiser, mission):
    firm, host = _firm(mission, "Atlas Soft"), _host(mission, "Sonatel")
    factories.MeetingRequestFactory(mission=mission, key=f"{firm.key}-{host.key}")
    made = service.toggle_request(organiser, mission, firm.id, host.id)
    assert made.key == f"{firm.key}-{host.key}-2"


def test_toggle_request_the_wrong_way_round_is_refused(organiser, mission):
    firm, host = _firm(mission, "Atlas Soft"), _host(mission, "Sonatel")
    with pytest.raises(ValidationFailed):
        service.toggle_request(organiser, mission, host.id, firm.id)


def test_toggle_request_with_an_organisation_of_another_mission_is_not_found(organiser, mission):
    firm = _firm(mission, "Atlas Soft")
    theirs = factories.OrganisationFactory(host=True)
    with pytest.raises(NotFound):
        service.toggle_request(organiser, mission, firm.id, theirs.id)


def test_update_request_keeps_only_people_of_the_two_organisations(organiser, mission):
    request = factories.MeetingRequestFactory(mission=mission)
    delegate = factories.PersonFactory(organisation=request.delegation, name="Amine Benali")
    host_person = factories.PersonFactory(organisation=request.host, name="Awa Diop")
    outsider = factories.PersonFactory(organisation__mission=mission)
    loaded = service.get_request(mission, request.id)
    with pytest.raises(ValidationFailed) as failure:
        service.update_request(
            organiser, loaded, attendee_ids=(delegate.id, outsider.id), duration_slots=1
        )
    assert list(failure.value.errors) == ["attendees"]
    service.update_request(
        organiser, loaded, attendee_ids=(host_person.id, delegate.id), duration_slots=2
    )
    assert [p.name for p in loaded.attendees] == ["Amine Benali", "Awa Diop"]
    assert loaded.duration_slots == 2
    assert [p.id for p in service.request_people(loaded)] == [delegate.id, host_person.id]


def test_update_request_with_no_attendee_means_everyone(organiser, mission):
    request = factories.MeetingRequestFactory(mission=mission)
    delegate = factories.PersonFactory(organisation=request.delegation)
    host_person = factories.PersonFactory(organisation=request.host)
    loaded = service.get_request(mission, request.id)
    service.update_request(organiser, loaded, attendee_ids=(), duration_slots=1)
    assert loaded.attendees == []
    assert {p.id for p in service.request_people(loaded)} == {delegate.id, host_person.id}


def test_update_request_duration_out_of_range_is_refused(organiser, mission):
    request = service.get_request(mission, factories.MeetingRequestFactory(mission=mission).id)
    with pytest.raises(ValidationFailed) as failure:
        service.update_request(organiser, request, attendee_ids=(), duration_slots=0)
    assert list(failure.value.errors) == ["duration_slots"]


def test_get_request_of_another_mission_is_not_found(mission):
    with pytest.raises(NotFound):
        service.get_request(mission, factories.MeetingRequestFactory().id)


def test_get_delegation_refuses_a_host(mission):
    with pytest.raises(NotFound):
        service.get_delegation(mission, _host(mission, "Sonatel").id)


def test_matrix_groups_hosts_by_leg_then_category_with_counts(mission, legs):
    dakar, nouakchott = legs
    firm_b, firm_a = _firm(mission, "B Firm"), _firm(mission, "A Firm")
    # Leg by country when not set; an explicit leg wins; no matching country: no leg.
    sn_it = _host(mission, "SN IT", category="it_services")
    sn_buyer = _host(mission, "SN Buyer", category="purchasing")
    mr_host = _host(mission, "MR Host", country="MR")
    moved = _host(mission, "Moved to Nouakchott", leg=nouakchott)
    nowhere = _host(mission, "Nowhere", country="CI")
    request = factories.MeetingRequestFactory(
        mission=mission, delegation=firm_a, host=sn_it, priority=1
    )
    factories.MeetingRequestFactory(mission=mission, delegation=firm_a, host=mr_host, priority=2)
    factories.MeetingRequestFactory(mission=mission, delegation=firm_b, host=sn_it)
    factories.MeetingFactory(request=request, venue=factories.VenueFactory(leg=dakar))

    matrix = service.load_request_matrix(mission)

    assert [firm.name for firm in matrix.delegations] == ["A Firm", "B Firm"]
    assert [
        (
            g.leg.city if g.leg else None,
            [(c.category, [h.name for h in c.hosts]) for c in g.categories],
        )
        for g in matrix.groups
    ] == [
        ("Dakar", [("purchasing", ["SN Buyer"]), ("it_services", ["SN IT"])]),
        ("Nouakchott", [("information_systems", ["MR Host", "Moved to Nouakchott"])]),
        (None, [("information_systems", ["Nowhere"])]),
    ]
    assert [(h.name, b) for h, b in matrix.columns] == [
        ("SN Buyer", "leg"),
        ("SN IT", "category"),
        ("MR Host", "leg"),
        ("Moved to Nouakchott", ""),
        ("Nowhere", "leg"),
    ]
    assert matrix.cell(firm_a.id, sn_it.id) == service.Cell(request.id, 1, True)
    assert matrix.cell(firm_a.id, mr_host.id).priority == 2
    assert matrix.cell(firm_b.id, mr_host.id) is None
    assert matrix.row_counts[firm_a.id] == 2
    assert matrix.column_counts[sn_it.id] == 2
    assert matrix.total == 3
    assert moved.id in {h.id for h in matrix.hosts}
    assert nowhere.id in {h.id for h in matrix.hosts}
    assert sn_buyer.id == matrix.hosts[0].id


def test_matrix_for_one_leg_shows_its_hosts_and_counts_only_them(mission, legs):
    dakar, _ = legs
    firm = _firm(mission, "Atlas Soft")
    sn, mr = _host(mission, "Sonatel"), _host(mission, "Mauritel", country="MR")
    factories.MeetingRequestFactory(mission=mission, delegation=firm, host=sn)
    factories.MeetingRequestFactory(mission=mission, delegation=firm, host=mr)
    matrix = service.load_request_matrix(mission, dakar.id)
    assert [h.name for h in matrix.hosts] == ["Sonatel"]
    assert matrix.row_counts[firm.id] == 1
    assert service.load_matrix_cell(mission, firm.id, sn.id, dakar.id).row_count == 1
    assert service.load_matrix_cell(mission, firm.id, sn.id).row_count == 2


def test_load_matrix_cell_reports_the_cell_and_its_counts(mission, legs):
    firm, host = _firm(mission, "Atlas Soft"), _host(mission, "Sonatel")
    other_firm = _firm(mission, "Maghreb Cyber")
    request = factories.MeetingRequestFactory(
        mission=mission, delegation=firm, host=host, priority=2
    )
    factories.MeetingRequestFactory(mission=mission, delegation=other_firm, host=host)
    state = service.load_matrix_cell(mission, firm.id, host.id)
    assert state == service.CellState(firm.id, host.id, service.Cell(request.id, 2, False), 1, 2)
    assert service.load_matrix_cell(mission, firm.id, firm.id).cell is None


def test_summarise_requests_counts_per_priority(mission):
    firm, idle = _firm(mission, "Atlas Soft"), _firm(mission, "Zénith Data")
    for priority in (1, 1, 3):
        factories.MeetingRequestFactory(mission=mission, delegation=firm, priority=priority)
    summaries = service.summarise_requests(mission)
    assert [(s.delegation.name, s.by_priority, s.total) for s in summaries] == [
        ("Atlas Soft", {1: 2, 2: 0, 3: 1}, 3),
        ("Zénith Data", {1: 0, 2: 0, 3: 0}, 0),
    ]
    assert idle.id == summaries[1].delegation.id


def test_load_firm_requests_knows_the_previous_and_next_firm(mission, legs):
    first, middle, last = (_firm(mission, n) for n in ("A", "B", "C"))
    page = service.load_firm_requests(mission, middle)
    assert (page.previous.id, page.next.id) == (first.id, last.id)
    assert service.load_firm_requests(mission, first).previous is None
    assert service.load_firm_requests(mission, last).next is None
