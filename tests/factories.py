"""factory_boy factories that write through the app's session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from mission_app.extensions import db
from mission_app.models import (
    Activity,
    Leg,
    Meeting,
    MeetingRequest,
    MeetingWindow,
    Membership,
    Mission,
    Organisation,
    Person,
    User,
    Venue,
)

# Hashed once: Argon2 is slow on purpose, and tests create many users.
PASSWORD_HASH = PasswordHasher().hash("correct horse battery")
MEETING_DAY = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name", locale="fr_FR")
    password_hash = PASSWORD_HASH


class MissionFactory(BaseFactory):
    class Meta:
        model = Mission

    title = factory.Sequence(lambda n: f"Mission TIC n°{n}")
    organiser = "Agence de promotion des exportations"
    locale = "fr"


class MembershipFactory(BaseFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    mission = factory.SubFactory(MissionFactory)
    role = "organiser"


class LegFactory(BaseFactory):
    class Meta:
        model = Leg

    mission = factory.SubFactory(MissionFactory)
    key = factory.Sequence(lambda n: f"leg-{n}")
    city = "Dakar"
    country = "SN"
    timezone = "Africa/Dakar"
    slot_minutes = 30


class VenueFactory(BaseFactory):
    class Meta:
        model = Venue

    leg = factory.SubFactory(LegFactory)
    mission_id = factory.SelfAttribute("leg.mission_id")
    key = factory.Sequence(lambda n: f"venue-{n}")
    name = "Hôtel Terrou-Bi"
    address = "Boulevard Martin Luther King, Dakar"
    tables = 4


class MeetingWindowFactory(BaseFactory):
    class Meta:
        model = MeetingWindow

    venue = factory.SubFactory(VenueFactory)
    leg = factory.SelfAttribute("venue.leg")
    start_at = MEETING_DAY
    end_at = MEETING_DAY + timedelta(hours=3)


class OrganisationFactory(BaseFactory):
    class Meta:
        model = Organisation

    mission = factory.SubFactory(MissionFactory)
    key = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Société n°{n}")
    country = "MA"
    side = "delegation"
    category = "ict_firm"
    sectors = factory.LazyFunction(lambda: ["logiciel"])
    description = ""

    class Params:
        host = factory.Trait(side="host", category="information_systems", country="SN")


class PersonFactory(BaseFactory):
    class Meta:
        model = Person

    organisation = factory.SubFactory(OrganisationFactory)
    mission_id = factory.SelfAttribute("organisation.mission_id")
    key = factory.Sequence(lambda n: f"p-{n}")
    name = factory.Faker("name", locale="fr_FR")
    position = "Directeur général"
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    languages = factory.LazyFunction(lambda: ["fr"])


class ActivityFactory(BaseFactory):
    class Meta:
        model = Activity

    mission = factory.SubFactory(MissionFactory)
    key = factory.Sequence(lambda n: f"act-{n}")
    kind = "workshop"
    title = "Atelier marché TIC"
    start_at = MEETING_DAY + timedelta(hours=6)
    end_at = MEETING_DAY + timedelta(hours=8)


class MeetingRequestFactory(BaseFactory):
    class Meta:
        model = MeetingRequest

    mission = factory.SubFactory(MissionFactory)
    key = factory.Sequence(lambda n: f"r-{n}")
    delegation = factory.SubFactory(OrganisationFactory, mission=factory.SelfAttribute("..mission"))
    host = factory.SubFactory(
        OrganisationFactory, mission=factory.SelfAttribute("..mission"), host=True
    )
    priority = 3
    requested_by = "delegation"
    duration_slots = 1


class MeetingFactory(BaseFactory):
    class Meta:
        model = Meeting

    request = factory.SubFactory(MeetingRequestFactory)
    mission_id = factory.SelfAttribute("request.mission_id")
    key = factory.Sequence(lambda n: f"m-{n}")
    venue = factory.SubFactory(VenueFactory)
    table_number = 1
    start_at = MEETING_DAY
    end_at = MEETING_DAY + timedelta(minutes=30)
    status = "scheduled"


def publish(mission: Mission, actor: User | None = None, note: str = ""):
    """Publish the working schedule through the real service, as the organiser's button does,
    so that participants' pages and files show it. Returns the publication (None: no change)."""
    from mission_app.services.publications import publish_schedule

    return publish_schedule(mission, actor, note)
