"""Follow-ups: amounts read as people type them, clear refusals, exact decimals on SQLite and
PostgreSQL, filters, and totals that never add one currency to another."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from mission_app.extensions import db
from mission_app.models import FollowUp
from mission_app.services import followups
from mission_app.services.errors import NotFound, ValidationFailed
from tests import factories
from tests.mission_day import build_mission_day


@pytest.fixture
def day(app_ctx):
    return build_mission_day()


@pytest.fixture
def actor(day):
    user = factories.UserFactory(name="Nadia Organisatrice")
    factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    return user


def _errors(failure: ValidationFailed) -> dict[str, list[str]]:
    return {key: [str(reason) for reason in reasons] for key, reasons in failure.errors.items()}


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("12500", Decimal("12500.00")),
        ("12 500,50", Decimal("12500.50")),
        ("12\u202f500,5", Decimal("12500.50")),
        ("12.500,50", Decimal("12500.50")),
        ("12,500.50", Decimal("12500.50")),
        ("0,1", Decimal("0.10")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("", None),
        ("   ", None),
    ],
)
def test_parse_amount_reads_what_people_type(app_ctx, typed, value):
    assert followups.parse_amount(typed) == value


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("douze mille", "La valeur estimée doit être un nombre, par exemple 12 500,50."),
        ("1.500.000", "La valeur estimée doit être un nombre, par exemple 12 500,50."),
        ("NaN", "La valeur estimée doit être un nombre, par exemple 12 500,50."),
        ("1e6", "La valeur estimée doit être un nombre, par exemple 12 500,50."),
        ("-5", "La valeur estimée ne peut pas être négative."),
        ("-0,01", "La valeur estimée ne peut pas être négative."),
        (
            "12,500",
            "Écrivez la valeur estimée avec deux décimales au plus, et les milliers séparés "
            "par des espaces ou pas du tout : 12 500 ou 12500,50.",
        ),
        ("1000000000000", "La valeur estimée est trop élevée pour une seule affaire."),
    ],
)
def test_parse_amount_refuses_with_a_reason(app_ctx, typed, reason):
    with pytest.raises(ValidationFailed) as refused:
        followups.parse_amount(typed)
    assert _errors(refused.value) == {"estimated_value": [reason]}


def test_save_follow_up_creates_one_with_an_exact_value(day, actor):
    m5 = day.meetings["m5"]
    data = followups.FollowUpInput(
        "proposal", "  Devis envoyé.\r\nRelance en juin.  ", "0,10", "MAD"
    )
    followups.save_follow_up(day.mission, actor, m5.id, data)
    db.session.commit()
    db.session.expire_all()
    saved = db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == m5.id))
    assert (saved.stage, saved.notes, saved.estimated_value, saved.currency) == (
        "proposal",
        "Devis envoyé.\nRelance en juin.",
        Decimal("0.10"),
        "MAD",
    )
    assert saved.updated_by_id == actor.id


def test_save_follow_up_replaces_the_existing_one(day, actor):
    m1 = day.meetings["m1"]
    followups.save_follow_up(
        day.mission, actor, m1.id, followups.FollowUpInput("contract", "Signé.", "", "")
    )
    db.session.commit()
    rows = db.session.scalars(select(FollowUp).where(FollowUp.meeting_id == m1.id)).all()
    assert [(r.stage, r.notes, r.estimated_value, r.currency) for r in rows] == [
        ("contract", "Signé.", None, None)
    ]


def test_save_follow_up_value_without_currency_is_refused_and_nothing_is_written(day, actor):
    m5 = day.meetings["m5"]
    with pytest.raises(ValidationFailed) as refused:
        followups.save_follow_up(
            day.mission, actor, m5.id, followups.FollowUpInput("lead", "", "5000", "")
        )
    assert _errors(refused.value) == {
        "currency": ["Choisissez la devise de la valeur estimée : MAD, XOF ou MRU."]
    }
    db.session.rollback()
    assert db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == m5.id)) is None


def test_save_follow_up_currency_without_value_is_refused(day, actor):
    with pytest.raises(ValidationFailed) as refused:
        followups.save_follow_up(
            day.mission,
            actor,
            day.meetings["m5"].id,
            followups.FollowUpInput("lead", "", "", "XOF"),
        )
    assert _errors(refused.value) == {
        "estimated_value": ["Indiquez la valeur estimée en XOF, ou ne choisissez pas de devise."]
    }


def test_save_follow_up_reports_every_wrong_field_at_once(day, actor):
    with pytest.raises(ValidationFailed) as refused:
        followups.save_follow_up(
            day.mission,
            actor,
            day.meetings["m5"].id,
            followups.FollowUpInput("signed", "x" * 5001, "-3", "EUR"),
        )
    assert _errors(refused.value) == {
        "stage": ["Choisissez l’étape : piste, proposition ou contrat."],
        "notes": ["Les notes sont trop longues : 5000 caractères au plus."],
        "currency": ["La devise doit être MAD, XOF ou MRU."],
        "estimated_value": ["La valeur estimée ne peut pas être négative."],
    }


def test_save_follow_up_meeting_of_another_mission_not_found(day, actor):
    other = factories.MeetingFactory()
    with pytest.raises(NotFound):
        followups.save_follow_up(day.mission, actor, other.id, followups.FollowUpInput("lead"))


def test_delete_follow_up_removes_it(day, actor):
    assert followups.delete_follow_up(day.mission, actor, day.meetings["m1"].id) is True
    assert followups.delete_follow_up(day.mission, actor, day.meetings["m1"].id) is False
    db.session.commit()
    assert (
        db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == day.meetings["m1"].id))
        is None
    )


def test_follow_up_database_refuses_a_value_without_currency(day):
    """The rule holds in the database too, not only in Python."""
    with pytest.raises(IntegrityError):
        db.session.execute(
            text("UPDATE follow_up SET currency = NULL WHERE meeting_id = :id"),
            {"id": day.meetings["m1"].id},
        )
        db.session.flush()
    db.session.rollback()


def test_list_follow_ups_totals_per_currency(day):
    listing = followups.list_follow_ups(day.mission)
    assert [(r.meeting.delegation, r.meeting.host, r.stage) for r in listing.rows] == [
        ("Atlas Logiciels", "Banque de la Téranga", "proposal"),
        ("Atlas Logiciels", "Sonatel", "lead"),
        ("Cyber Sahel", "Banque de la Téranga", "lead"),
        ("Atlas Logiciels", "Mauritel", "contract"),
        ("Cyber Sahel", "SNIM", "contract"),
    ]
    assert listing.totals == {
        "MAD": Decimal("249999.30"),
        "XOF": Decimal("2500000.00"),
        "MRU": Decimal("1234567.89"),
    }
    assert [type(value) for value in listing.totals.values()] == [Decimal] * 3
    assert listing.without_value == 1
    assert listing.stage_counts == {"lead": 2, "proposal": 1, "contract": 2}
    # Held meetings with no follow-up yet: none, every held one has one.
    assert listing.to_follow == []


def test_list_follow_ups_filtered_by_firm_and_stage(day):
    listing = followups.list_follow_ups(day.mission, firm_id=day.cyber.id)
    assert [r.meeting.host for r in listing.rows] == ["Banque de la Téranga", "SNIM"]
    assert listing.totals == {"MAD": Decimal("99999.20"), "XOF": Decimal("2500000.00")}
    listing = followups.list_follow_ups(day.mission, firm_id=day.atlas.id, stage="contract")
    assert [(r.meeting.host, r.estimated_value, r.currency) for r in listing.rows] == [
        ("Mauritel", Decimal("1234567.89"), "MRU")
    ]
    assert listing.totals == {"MRU": Decimal("1234567.89")}
    assert [f.name for f in listing.firms] == ["Atlas Logiciels", "Cyber Sahel"]


def test_list_follow_ups_firm_of_another_mission_lists_nothing(day):
    stranger = factories.OrganisationFactory()
    listing = followups.list_follow_ups(day.mission, firm_id=stranger.id)
    assert (listing.rows, listing.totals) == ([], {})


def test_list_follow_ups_names_held_meetings_still_to_follow(day, actor):
    followups.delete_follow_up(day.mission, actor, day.meetings["m7"].id)
    listing = followups.list_follow_ups(day.mission)
    assert [(m.delegation, m.host) for m in listing.to_follow] == [("Cyber Sahel", "SNIM")]


def test_totals_by_currency_keeps_currencies_apart():
    totals = followups.totals_by_currency(
        [
            (Decimal("0.10"), "MRU"),
            (Decimal("0.20"), "MRU"),
            (Decimal("1000"), "XOF"),
            (None, None),
            (Decimal("5"), "MAD"),
        ]
    )
    assert totals == {"MAD": Decimal("5"), "XOF": Decimal("1000"), "MRU": Decimal("0.30")}
    assert list(totals) == ["MAD", "XOF", "MRU"]


def test_format_money_names_the_currency(app_ctx):
    assert followups.format_money(Decimal("1234567.89"), "MRU") == "1\u202f234\u202f567,89\u00a0MRU"
    assert followups.format_money(Decimal("150000.10"), "MAD") == "150\u202f000,10\u00a0MAD"
    assert followups.format_money(Decimal("2500000.00"), "XOF") == "2\u202f500\u202f000\u00a0XOF"
    assert followups.format_money(None, None) == ""
