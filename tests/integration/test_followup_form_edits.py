"""The follow-up form: an amount shown back is read back the same in every language, and a
save over someone else's change is refused with the typed input kept."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import FollowUp
from mission_app.services import followups
from tests import factories
from tests.conftest import page_text
from tests.mission_day import build_mission_day


@pytest.fixture
def day(mission):
    return build_mission_day()


def _login(client, day, locale: str):
    user = factories.UserFactory(locale=locale)
    factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    db.session.commit()
    client.login(user.email)
    return client


def _url(day, key):
    return f"/missions/{day.mission.id}/meetings/{day.meetings[key].id}/follow-up"


def html_value(text: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', text).group(0)
    return re.search(r'\bvalue="([^"]*)"', tag).group(1)


def _stored(day, key) -> FollowUp:
    db.session.expire_all()
    return db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == day.meetings[key].id))


@pytest.mark.parametrize(
    ("locale", "key", "shown", "value"),
    [
        ("en", "m3", "2 500 000", Decimal("2500000.00")),  # 2 500 000 XOF
        ("fr", "m3", "2 500 000", Decimal("2500000.00")),
        ("en", "m1", "150 000.10", Decimal("150000.10")),  # 150 000,10 MAD
        ("fr", "m1", "150 000,10", Decimal("150000.10")),
    ],
)
def test_follow_up_amount_shown_is_saved_again_unchanged(client, day, locale, key, shown, value):
    _login(client, day, locale)
    text = page_text(client.get(_url(day, key)))
    assert html_value(text, "estimated_value") == shown
    form = {
        name: html_value(text, name) for name in ("estimated_value", "seen_version", "csrf_token")
    }
    stored = _stored(day, key)
    form.update(stage=stored.stage, notes=stored.notes, currency=stored.currency)

    response = client.post(_url(day, key), data=form)

    assert response.status_code == 302
    assert _stored(day, key).estimated_value == value


def test_follow_up_input_amount_twelve_thousand_five_hundred_in_english(app_ctx):
    from flask_babel import force_locale

    with force_locale("en"):
        assert followups.input_amount(Decimal("12500.00")) == "12 500"
        assert followups.parse_amount(followups.input_amount(Decimal("12500.00"))) == Decimal(
            "12500"
        )


def test_follow_up_stale_form_is_refused_and_keeps_what_was_typed(client, other_client, day):
    _login(client, day, "fr")
    _login(other_client, day, "fr")
    first = page_text(client.get(_url(day, "m1")))
    second = page_text(other_client.get(_url(day, "m1")))
    seen = html_value(first, "seen_version")
    assert seen == html_value(second, "seen_version") != ""

    saved = other_client.post(
        _url(day, "m1"),
        data={
            "csrf_token": html_value(second, "csrf_token"),
            "seen_version": seen,
            "stage": "contract",
            "notes": "Contrat signé.",
            "estimated_value": "200 000",
            "currency": "MAD",
        },
    )
    assert saved.status_code == 302
    response = client.post(
        _url(day, "m1"),
        data={
            "csrf_token": html_value(first, "csrf_token"),
            "seen_version": seen,
            "stage": "lead",
            "notes": "Piste refroidie.",
            "estimated_value": "90 000,50",
            "currency": "XOF",
        },
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "Ce suivi a été modifié par quelqu’un d’autre entre-temps : rechargez la page." in text
    assert html_value(text, "estimated_value") == "90 000,50"
    assert "Piste refroidie." in text
    assert re.search(r'<option selected value="XOF">|<option value="XOF" selected', text)
    stored = _stored(day, "m1")
    assert (stored.stage, stored.notes, stored.estimated_value, stored.currency) == (
        "contract",
        "Contrat signé.",
        Decimal("200000.00"),
        "MAD",
    )


def test_follow_up_first_one_created_meanwhile_is_not_overwritten(client, other_client, day):
    _login(client, day, "fr")
    _login(other_client, day, "fr")
    first = page_text(client.get(_url(day, "m5")))  # m5 has no follow-up yet
    second = page_text(other_client.get(_url(day, "m5")))
    assert html_value(first, "seen_version") == ""
    other_client.post(
        _url(day, "m5"),
        data={
            "csrf_token": html_value(second, "csrf_token"),
            "seen_version": "",
            "stage": "proposal",
            "notes": "",
            "estimated_value": "",
            "currency": "",
        },
    )

    response = client.post(
        _url(day, "m5"),
        data={
            "csrf_token": html_value(first, "csrf_token"),
            "seen_version": "",
            "stage": "lead",
            "notes": "",
            "estimated_value": "",
            "currency": "",
        },
    )

    assert response.status_code == 200
    assert "rechargez la page" in page_text(response)
    assert _stored(day, "m5").stage == "proposal"


def test_follow_up_saved_twice_in_a_row_by_one_organiser(client, day):
    _login(client, day, "fr")
    for notes in ("Premier appel.", "Second appel."):
        text = page_text(client.get(_url(day, "m1")))
        response = client.post(
            _url(day, "m1"),
            data={
                "csrf_token": html_value(text, "csrf_token"),
                "seen_version": html_value(text, "seen_version"),
                "stage": "proposal",
                "notes": notes,
                "estimated_value": html_value(text, "estimated_value"),
                "currency": "MAD",
            },
        )
        assert response.status_code == 302
    assert _stored(day, "m1").notes == "Second appel."
