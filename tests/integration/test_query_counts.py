"""Pages whose number of SQL queries must not grow with the mission.

A mission of 300 organisations, their people and 2,000 requests is compared with a tiny one of
the same shape (two legs, one firm, one host, one request): the same page must run exactly the
same number of statements for both.
"""

from __future__ import annotations

import itertools
import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select

from mission_app.extensions import db
from mission_app.models import (
    Leg,
    Meeting,
    MeetingRequest,
    Membership,
    Mission,
    Organisation,
    Person,
    Venue,
)
from tests import factories

START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def _build_mission(title: str, firms: int, hosts_per_leg: int, requests: int) -> Mission:
    """A mission in bulk: two legs, `firms` delegation firms, hosts split over the legs, one or
    two people per organisation, `requests` requests, and a meeting for every tenth request."""
    mission = Mission(title=title)
    db.session.add(mission)
    db.session.flush()
    legs = [
        Leg(
            mission_id=mission.id,
            key="dakar",
            position=1,
            city="Dakar",
            country="SN",
            timezone="Africa/Dakar",
        ),
        Leg(
            mission_id=mission.id,
            key="nouakchott",
            position=2,
            city="Nouakchott",
            country="MR",
            timezone="Africa/Nouakchott",
        ),
    ]
    db.session.add_all(legs)
    db.session.flush()
    venue = Venue(mission_id=mission.id, leg_id=legs[0].id, key="hotel", name="Hôtel", tables=50)
    db.session.add(venue)
    db.session.flush()
    categories = itertools.cycle(
        ["purchasing", "information_systems", "it_services", "distributor", "operator"]
    )
    rows = [
        dict(
            mission_id=mission.id,
            key=f"ma-{i}",
            name=f"Firme {i:03d}",
            country="MA",
            side="delegation",
            category="ict_firm",
            sectors=["logiciel"],
            description="",
        )
        for i in range(firms)
    ]
    for leg in legs:
        rows += [
            dict(
                mission_id=mission.id,
                key=f"{leg.key}-{i}",
                name=f"Hôte {leg.city} {i:03d}",
                country=leg.country,
                side="host",
                category=next(categories),
                leg_id=leg.id,
                sectors=[],
                description="",
            )
            for i in range(hosts_per_leg)
        ]
    db.session.execute(insert(Organisation), rows)
    organisations = db.session.execute(
        select(Organisation.id, Organisation.side)
        .where(Organisation.mission_id == mission.id)
        .order_by(Organisation.id)
    ).all()
    db.session.execute(
        insert(Person),
        [
            dict(
                mission_id=mission.id,
                organisation_id=org_id,
                key=f"p-{org_id}-{n}",
                name=f"Personne {org_id}-{n}",
                position="DG",
                email="",
                phone="",
                languages=["fr"],
            )
            for org_id, _ in organisations
            for n in range(1 + org_id % 2)
        ],
    )
    firm_ids = [org_id for org_id, side in organisations if side == "delegation"]
    host_ids = [org_id for org_id, side in organisations if side == "host"]
    pairs = list(itertools.islice(itertools.product(firm_ids, host_ids), 0, None, 7))[:requests]
    assert len(pairs) == requests
    db.session.execute(
        insert(MeetingRequest),
        [
            dict(
                mission_id=mission.id,
                key=f"r-{n}",
                delegation_id=firm,
                host_id=host,
                priority=1 + n % 3,
                requested_by="delegation",
                duration_slots=1,
            )
            for n, (firm, host) in enumerate(pairs)
        ],
    )
    request_ids = db.session.scalars(
        select(MeetingRequest.id)
        .where(MeetingRequest.mission_id == mission.id)
        .order_by(MeetingRequest.id)
    ).all()
    db.session.execute(
        insert(Meeting),
        [
            dict(
                mission_id=mission.id,
                key=f"m-{n}",
                request_id=request_id,
                venue_id=venue.id,
                table_number=1 + n % 50,
                start_at=START + timedelta(minutes=30 * (n // 50)),
                end_at=START + timedelta(minutes=30 * (n // 50) + 30),
                status="scheduled",
                locked=False,
                sequence=0,
            )
            for n, request_id in enumerate(request_ids[::10])
        ],
    )
    db.session.flush()
    return mission


@contextmanager
def counting_statements():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


@pytest.fixture
def missions(app_ctx):
    """The same organiser on a tiny mission and on a big one."""
    tiny = _build_mission("Petite mission", firms=1, hosts_per_leg=1, requests=1)
    big = _build_mission("Grande mission", firms=150, hosts_per_leg=75, requests=2000)
    user = factories.UserFactory()
    db.session.add_all(
        [
            Membership(user_id=user.id, mission_id=tiny.id, role="organiser"),
            Membership(user_id=user.id, mission_id=big.id, role="organiser"),
        ]
    )
    db.session.commit()
    return user, tiny, big


def _statements_for(client, url: str) -> tuple[int, str]:
    client.get(url)  # warm up: the first request of a session loads what every page needs
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


@pytest.mark.parametrize("page", ["/missions/{id}/organisations", "/missions/{id}/requests/matrix"])
def test_page_runs_as_many_queries_for_300_organisations_as_for_2(client, missions, page):
    user, tiny, big = missions
    client.login(user.email)
    tiny_count, _ = _statements_for(client, page.format(id=tiny.id))
    big_count, big_page = _statements_for(client, page.format(id=big.id))
    assert big_count == tiny_count
    assert "Firme 149" in big_page
    assert "Hôte Nouakchott 074" in big_page


def test_request_matrix_of_the_big_mission_shows_every_request(client, missions):
    user, _, big = missions
    client.login(user.email)
    page = client.get(f"/missions/{big.id}/requests/matrix").get_data(as_text=True)
    assert "2000 demandes · 150 entreprises × 150 hôtes" in page
    assert page.count('<button name="cell"') == 150 * 150
    assert len(re.findall(r'aria-labelledby="r\d+ h\d+" class="p[123]', page)) == 2000
    assert len(re.findall(r'aria-labelledby="r\d+ h\d+" class="p[123] m"', page)) == 200
