"""Small missions built in code: one leg per call of `window`, slots of 30 minutes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from mission_app.scheduling import (
    ExistingMeeting,
    Leg,
    Organisation,
    Person,
    Precedence,
    Problem,
    Request,
    Slot,
    Venue,
    Window,
)

DAY = datetime(2025, 5, 12, 9, 0, tzinfo=UTC)


@dataclass
class MissionBuilder:
    slots: list[Slot] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    venues: list[Venue] = field(default_factory=list)
    legs: list[Leg] = field(default_factory=list)
    organisations: list[Organisation] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    existing: list[ExistingMeeting] = field(default_factory=list)
    precedences: list[Precedence] = field(default_factory=list)

    def window(
        self,
        n_slots: int,
        tables: int,
        leg: str = "dakar",
        start: datetime = DAY,
        venue: str | None = None,
    ) -> list[int]:
        """Adds a window (and its leg and venue if new); returns its slot indices."""
        venue = venue or f"{leg}-hotel"
        if leg not in {x.id for x in self.legs}:
            self.legs.append(Leg(leg, leg.title(), "Africa/Dakar"))
        if venue not in {v.id for v in self.venues}:
            self.venues.append(Venue(venue, tables, venue))
        window_id = f"w{len(self.windows)}"
        first = len(self.slots)
        indices = list(range(first, first + n_slots))
        for k, index in enumerate(indices):
            self.slots.append(
                Slot(
                    index,
                    window_id,
                    start + timedelta(minutes=30 * k),
                    start + timedelta(minutes=30 * (k + 1)),
                )
            )
        self.windows.append(Window(window_id, leg, venue, tuple(indices)))
        return indices

    def org(self, key: str, side: str = "delegation") -> str:
        self.organisations.append(Organisation(key, f"Org {key}", side))
        return key

    def person(self, key: str, org: str, busy: set[int] | frozenset[int] = frozenset()) -> str:
        self.people.append(Person(key, f"Mme {key}", org, frozenset(busy)))
        return key

    def firm(self, key: str, side: str = "delegation", busy=frozenset()) -> str:
        """An organisation with one person of the same key."""
        self.org(key, side)
        return self.person(key, key, busy)

    def request(
        self,
        delegation: str,
        host: str,
        priority: int = 3,
        leg: str = "dakar",
        duration: int = 1,
        attendees: tuple[str, ...] | None = None,
        allowed: frozenset[int] | None = None,
    ) -> str:
        key = f"r{len(self.requests) + 1}"
        self.requests.append(
            Request(
                key,
                delegation,
                host,
                leg,
                attendees if attendees is not None else (delegation, host),
                priority,
                duration,
                allowed,
            )
        )
        return key

    def build(self) -> Problem:
        return Problem(
            slots=tuple(self.slots),
            windows=tuple(self.windows),
            venues=tuple(self.venues),
            organisations=tuple(self.organisations),
            people=tuple(self.people),
            requests=tuple(self.requests),
            legs=tuple(self.legs),
            existing=tuple(self.existing),
            precedences=tuple(self.precedences),
        )


@pytest.fixture
def mission() -> MissionBuilder:
    return MissionBuilder()
