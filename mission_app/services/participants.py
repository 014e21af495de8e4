"""Organisations and people: listing, creating, editing, deleting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.models import (
    Availability,
    Leg,
    MeetingRequest,
    Mission,
    Organisation,
    Person,
    User,
)
from mission_app.models.participants import DELEGATION_CATEGORIES, HOST_CATEGORIES
from mission_app.services.errors import NotFound, ValidationFailed
from mission_app.services.keys import fold, unique_key
from mission_app.services.timezones import to_utc


@dataclass(frozen=True)
class OrganisationFilters:
    search: str = ""
    side: str = ""
    country: str = ""
    category: str = ""


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    country: str
    side: str
    category: str
    leg_id: int | None = None
    sectors: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class PersonInput:
    name: str
    position: str = ""
    email: str = ""
    phone: str = ""
    languages: tuple[str, ...] = ()
    # Wall-clock (start, end) pairs in the zone of the organisation's leg; empty: always.
    available: tuple[tuple[datetime, datetime], ...] = ()


def list_organisations(mission: Mission, filters: OrganisationFilters) -> list[Organisation]:
    """Organisations matching the filters, delegation first, with people and leg loaded."""
    query = (
        select(Organisation)
        .where(Organisation.mission_id == mission.id)
        .options(selectinload(Organisation.people), selectinload(Organisation.leg))
        .order_by(Organisation.side, Organisation.name, Organisation.id)
    )
    if filters.side:
        query = query.where(Organisation.side == filters.side)
    if filters.country:
        query = query.where(Organisation.country == filters.country)
    if filters.category:
        query = query.where(Organisation.category == filters.category)
    organisations = list(db.session.scalars(query))
    words = fold(filters.search).split()
    if words:
        # In Python, not SQL: accents and case are ignored alike on SQLite and PostgreSQL,
        # and a mission's few hundred organisations are loaded for the page anyway.
        organisations = [o for o in organisations if _matches(o, words)]
    return organisations


def _matches(organisation: Organisation, words: list[str]) -> bool:
    text = fold(
        " ".join(
            [organisation.name, organisation.description, *organisation.sectors]
            + [f"{p.name} {p.email} {p.position}" for p in organisation.people]
        )
    )
    return all(word in text for word in words)


def mission_countries(mission: Mission) -> list[str]:
    return list(
        db.session.scalars(
            select(Organisation.country)
            .where(Organisation.mission_id == mission.id)
            .distinct()
            .order_by(Organisation.country)
        )
    )


def get_organisation(mission: Mission, organisation_id: int) -> Organisation:
    organisation = db.session.scalar(
        select(Organisation)
        .where(Organisation.id == organisation_id, Organisation.mission_id == mission.id)
        .options(
            selectinload(Organisation.people).selectinload(Person.availabilities),
            selectinload(Organisation.leg),
        )
    )
    if organisation is None:
        raise NotFound(f"organisation {organisation_id}")
    return organisation


def get_person(mission: Mission, person_id: int) -> Person:
    person = db.session.scalar(
        select(Person).where(Person.id == person_id, Person.mission_id == mission.id)
    )
    if person is None:
        raise NotFound(f"person {person_id}")
    return person


def _check_organisation(mission: Mission, data: OrganisationInput) -> None:
    errors: dict[str, list] = {}
    if not data.name.strip():
        errors["name"] = [_l("Give the organisation a name.")]
    allowed = DELEGATION_CATEGORIES if data.side == "delegation" else HOST_CATEGORIES
    if data.side not in ("delegation", "host"):
        errors["side"] = [_l("Choose delegation or host.")]
    elif data.category not in allowed:
        errors["category"] = [
            _l("A delegation firm is an ICT firm.")
            if data.side == "delegation"
            else _l(
                "A host is a purchasing director, IS director, IT services company, "
                "distributor, institution or operator."
            )
        ]
    if len(data.country.strip()) != 2 or not data.country.isalpha():
        errors["country"] = [_l("Use the two-letter country code, e.g. SN.")]
    if data.leg_id is not None:
        leg = db.session.get(Leg, data.leg_id)
        if leg is None or leg.mission_id != mission.id:
            errors["leg_id"] = [_l("Choose a leg of this mission.")]
        elif data.side == "delegation":
            errors["leg_id"] = [_l("Only hosts belong to one leg; delegation firms travel.")]
    if errors:
        raise ValidationFailed(errors)


def create_organisation(actor: User, mission: Mission, data: OrganisationInput) -> Organisation:
    _check_organisation(mission, data)
    organisation = Organisation(
        mission_id=mission.id, key=unique_key(Organisation, mission.id, data.name)
    )
    _apply_organisation(organisation, data)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def update_organisation(
    actor: User, organisation: Organisation, data: OrganisationInput
) -> Organisation:
    _check_organisation(organisation.mission, data)
    if data.side != organisation.side and _has_requests(organisation):
        # Its requests go from a delegation firm to a host: switching sides would turn them
        # round, and no mission file could hold them any more.
        raise ValidationFailed(
            {
                "side": [
                    _l(
                        "%(name)s has meeting requests: remove them before changing its side.",
                        name=organisation.name,
                    )
                ]
            }
        )
    _apply_organisation(organisation, data)
    db.session.flush()
    return organisation


def _has_requests(organisation: Organisation) -> bool:
    return (
        db.session.scalar(
            select(func.count(MeetingRequest.id)).where(
                or_(
                    MeetingRequest.delegation_id == organisation.id,
                    MeetingRequest.host_id == organisation.id,
                )
            )
        )
        > 0
    )


def _apply_organisation(organisation: Organisation, data: OrganisationInput) -> None:
    organisation.name = data.name.strip()
    organisation.country = data.country.strip().upper()
    organisation.side = data.side
    organisation.category = data.category
    organisation.leg_id = data.leg_id
    organisation.sectors = [s.strip() for s in data.sectors if s.strip()]
    organisation.description = data.description.strip()


def delete_organisation(actor: User, organisation: Organisation) -> None:
    """Deletes the organisation with its people, requests and their meetings."""
    db.session.delete(organisation)
    db.session.flush()


def organisation_leg_zone(organisation: Organisation) -> str:
    """The zone a person's wall-clock availability is read in."""
    legs = organisation.mission.legs
    leg = home_leg(organisation, legs) or (legs[0] if legs else None)
    return leg.timezone if leg else "UTC"


def home_leg(organisation: Organisation, legs: list[Leg]) -> Leg | None:
    """Where an organisation meets: its own leg, else the leg in its country (as mission files
    say), else none. Delegation firms travel: they have their country's leg only if any."""
    if organisation.leg_id is not None:
        return next((leg for leg in legs if leg.id == organisation.leg_id), None)
    return next((leg for leg in legs if leg.country == organisation.country), None)


def _check_person(data: PersonInput) -> None:
    errors: dict[str, list] = {}
    if not data.name.strip():
        errors["name"] = [_l("Give the person a name.")]
    if data.email and "@" not in data.email:
        errors["email"] = [_l("“%(email)s” is not an e-mail address.", email=data.email)]
    for start, end in data.available:
        if end <= start:
            errors["available"] = [_l("Each availability must end after it starts.")]
    if errors:
        raise ValidationFailed(errors)


def create_person(actor: User, organisation: Organisation, data: PersonInput) -> Person:
    _check_person(data)
    person = Person(
        mission_id=organisation.mission_id,
        organisation_id=organisation.id,
        key=unique_key(Person, organisation.mission_id, data.name),
    )
    organisation.people.append(person)
    _apply_person(person, organisation, data)
    db.session.add(person)
    db.session.flush()
    return person


def update_person(actor: User, person: Person, data: PersonInput) -> Person:
    _check_person(data)
    _apply_person(person, person.organisation, data)
    db.session.flush()
    return person


def _apply_person(person: Person, organisation: Organisation, data: PersonInput) -> None:
    person.name = data.name.strip()
    person.position = data.position.strip()
    person.email = data.email.strip().lower()
    person.phone = data.phone.strip()
    person.languages = list(data.languages)
    zone = organisation_leg_zone(organisation)
    person.availabilities = [
        Availability(
            start_at=to_utc(start, zone, "available"), end_at=to_utc(end, zone, "available")
        )
        for start, end in data.available
    ]


def delete_person(actor: User, person: Person) -> None:
    db.session.delete(person)
    db.session.flush()
