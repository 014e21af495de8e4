"""Agenda data: who sees which meeting and activity."""

from datetime import timedelta

from mission_app.extensions import db
from mission_app.services.agendas import organisation_agenda, person_agenda, programme_agenda
from tests import factories
from tests.factories import MEETING_DAY


def _two_delegates_two_hosts():
    mission = factories.MissionFactory(title="Mission TIC")
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=3)
    firm = factories.OrganisationFactory(mission=mission, name="Atlas")
    salma = factories.PersonFactory(organisation=firm, name="Salma", languages=["ar", "fr"])
    youssef = factories.PersonFactory(organisation=firm, name="Youssef", languages=[])
    sonatel = factories.OrganisationFactory(mission=mission, name="Sonatel", host=True)
    aminata = factories.PersonFactory(organisation=sonatel, name="Aminata")
    bank = factories.OrganisationFactory(mission=mission, name="Banque", host=True)
    factories.PersonFactory(organisation=bank, name="Moussa")
    everyone = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=sonatel)
    only_youssef = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=bank)
    only_youssef.attendees.append(youssef)
    first = factories.MeetingFactory(request=everyone, venue=venue, table_number=2)
    second = factories.MeetingFactory(
        request=only_youssef,
        venue=venue,
        table_number=1,
        start_at=MEETING_DAY + timedelta(hours=1),
        end_at=MEETING_DAY + timedelta(hours=1, minutes=30),
        status="cancelled",
    )
    workshop = factories.ActivityFactory(mission=mission, leg=leg, title="Atelier marché TIC")
    workshop.attendees.append(salma)
    db.session.commit()
    return mission, firm, salma, youssef, aminata, first, second, workshop


def test_person_agenda_holds_their_meetings_and_activities_only(app_ctx):
    mission, firm, salma, youssef, aminata, first, second, workshop = _two_delegates_two_hosts()
    agenda = person_agenda(mission, salma, source="working")
    assert [(e.kind, e.title) for e in agenda.entries] == [
        ("meeting", "Sonatel"),
        ("workshop", "Atelier marché TIC"),
    ]
    meeting = agenda.entries[0]
    assert (meeting.location, meeting.table, meeting.zone, meeting.city) == (
        "Hôtel Terrou-Bi",
        2,
        "Africa/Dakar",
        "Dakar",
    )
    assert [p.name for p in meeting.counterpart_people] == ["Aminata"]
    assert sorted(p.name for p in meeting.own_people) == ["Salma", "Youssef"]
    assert agenda.locale == "ar"
    assert meeting.uid == f"meeting-{first.id}.mission-{mission.id}@trade-mission-manager"


def test_person_agenda_keeps_cancelled_meetings_they_attend(app_ctx):
    mission, firm, salma, youssef, *_ = _two_delegates_two_hosts()
    agenda = person_agenda(mission, youssef, source="working")
    assert [(e.title, e.status) for e in agenda.entries] == [
        ("Sonatel", "scheduled"),
        ("Banque", "cancelled"),
    ]
    assert agenda.locale == "fr"  # no language of their own: the mission's


def test_host_agenda_shows_the_delegation_as_counterpart(app_ctx):
    mission, firm, salma, youssef, aminata, *_ = _two_delegates_two_hosts()
    (entry,) = person_agenda(mission, aminata, source="working").entries
    assert (entry.counterpart, entry.counterpart_category) == ("Atlas", "ict_firm")
    assert sorted(p.name for p in entry.counterpart_people) == ["Salma", "Youssef"]


def test_firm_agenda_covers_all_its_delegates(app_ctx):
    mission, firm, *_ = _two_delegates_two_hosts()
    titles = [e.title for e in organisation_agenda(mission, firm, source="working").entries]
    assert titles == ["Sonatel", "Banque", "Atelier marché TIC"]


def test_public_programme_lists_activities_without_attendees(app_ctx):
    mission, *_ = _two_delegates_two_hosts()
    (entry,) = programme_agenda(mission).entries
    assert (entry.title, entry.own_people) == ("Atelier marché TIC", ())
