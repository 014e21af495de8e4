"""A request whose meeting took place or has a follow-up cannot be removed, from the matrix nor
from the firm's page; one only scheduled can."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import FollowUp, Meeting, MeetingRequest
from tests import factories
from tests.conftest import page_text
from tests.integration.test_requests_pages import _firm_form, _url


@pytest.fixture
def setting(mission):
    """Atlas Soft asks to meet Sonatel (must) and Mauritel; Sonadis is not asked."""
    dakar = factories.LegFactory(mission=mission, key="dakar", position=1)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Soft")
    hosts = {
        name: factories.OrganisationFactory(mission=mission, host=True, name=name)
        for name in ("Sonatel", "Sonadis", "Mauritel")
    }
    must = factories.MeetingRequestFactory(
        mission=mission, delegation=atlas, host=hosts["Sonatel"], priority=1
    )
    factories.MeetingRequestFactory(
        mission=mission, delegation=atlas, host=hosts["Mauritel"], priority=3
    )
    return {
        "dakar": dakar,
        "atlas": atlas,
        "must": must,
        "sonatel": hosts["Sonatel"],
        "sonadis": hosts["Sonadis"],
        "mauritel": hosts["Mauritel"],
    }


def _toggle(client, mission, firm, host):
    return client.post_form(
        _url(mission, "/matrix/toggle"),
        {"cell": f"{firm.id}-{host.id}"},
        token_from=_url(mission, "/matrix"),
        follow_redirects=True,
    )


def _meeting(setting, **kwargs) -> Meeting:
    venue = factories.VenueFactory(leg=setting["dakar"])
    meeting = factories.MeetingFactory(request=setting["must"], venue=venue, **kwargs)
    db.session.commit()
    return meeting


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize(
    ("outcome", "follow_up", "why"),
    [
        ("held", False, "son rendez-vous a eu lieu"),
        ("no_show", False, "son rendez-vous est noté comme une absence"),
        (None, True, "son rendez-vous a un suivi"),
        ("held", True, "son rendez-vous a eu lieu et a un suivi"),
    ],
)
def test_matrix_toggle_refuses_removing_a_request_with_history(
    logged_in, mission, setting, outcome, follow_up, why
):
    meeting = _meeting(setting, outcome=outcome)
    if follow_up:
        db.session.add(
            FollowUp(
                meeting_id=meeting.id,
                stage="proposal",
                notes="",
                estimated_value=Decimal("1000.00"),
                currency="MAD",
            )
        )
        db.session.commit()

    response = _toggle(logged_in, mission, setting["atlas"], setting["sonatel"])

    assert (
        "La demande de rendez-vous entre Atlas Soft et Sonatel ne peut pas être retirée : "
        f"{why}." in page_text(response)
    )
    db.session.expire_all()
    assert db.session.get(MeetingRequest, setting["must"].id) is not None
    assert (_count(Meeting), _count(FollowUp)) == (1, 1 if follow_up else 0)


def test_matrix_toggle_still_removes_a_request_whose_meeting_is_only_scheduled(
    logged_in, mission, setting
):
    _meeting(setting, outcome=None)

    response = _toggle(logged_in, mission, setting["atlas"], setting["sonatel"])

    assert "Demande supprimée." in page_text(response)
    assert _count(Meeting) == 0


def test_firm_page_refuses_unchecking_a_host_met_and_saves_nothing(logged_in, mission, setting):
    _meeting(setting, outcome="held")
    data = _firm_form(
        [
            (setting["sonatel"], False, 1, "delegation", 1),  # unchecked: its meeting was held
            (setting["sonadis"], True, 2, "delegation", 1),  # added
            (setting["mauritel"], False, 3, "delegation", 1),  # unchecked: no meeting
        ]
    )

    response = logged_in.post_form(_url(mission, f"/{setting['atlas'].id}"), data)

    assert response.status_code == 200
    assert (
        "La demande de rendez-vous entre Atlas Soft et Sonatel ne peut pas être retirée : "
        "son rendez-vous a eu lieu." in page_text(response)
    )
    db.session.expire_all()
    hosts = set(
        db.session.scalars(
            select(MeetingRequest.host_id).where(
                MeetingRequest.delegation_id == setting["atlas"].id
            )
        )
    )
    assert hosts == {setting["sonatel"].id, setting["mauritel"].id}
    assert _count(Meeting) == 1
