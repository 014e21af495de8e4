"""The day sheet, follow-ups and report pages: who may see and change what, plain forms that work
without JavaScript, htmx answers, CSRF, and the downloads."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import FollowUp, Meeting
from tests import factories
from tests.conftest import page_text
from tests.mission_day import build_mission_day


@pytest.fixture
def day(mission):
    """The scenario of tests/mission_day.py; `mission` (with its organiser and viewer fixtures)
    is another mission."""
    return build_mission_day()


@pytest.fixture
def organiser_client(client, day):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    db.session.commit()
    client.login(user.email)
    return client


@pytest.fixture
def viewer_client(client, day):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=day.mission, role="viewer")
    db.session.commit()
    client.login(user.email)
    return client


def _sheet_url(day, leg=None, on="2026-05-12"):
    leg = leg or day.dakar
    return f"/missions/{day.mission.id}/day?leg={leg.id}&day={on}"


def _state_url(day, key):
    return f"/missions/{day.mission.id}/day/meetings/{day.meetings[key].id}"


def _meeting(day, key) -> Meeting:
    return db.session.get(Meeting, day.meetings[key].id)


def test_day_sheet_shows_the_meetings_with_counts_and_buttons(organiser_client, day):
    response = organiser_client.get(_sheet_url(day))
    assert response.status_code == 200
    text = page_text(response)
    counts = re.search(r'<dl class="dayof-counts" id="day-counts">(.*?)</dl>', text, re.S).group(1)
    assert re.findall(r"<dt>(.*?)</dt>\s*<dd>(\d+)</dd>", counts) == [
        ("tenus", "2"),
        ("absence", "1"),
        ("annulé", "1"),
        ("non saisi", "1"),
    ]
    assert "Heures locales de Dakar (Africa/Dakar, UTC)." in text
    m1 = day.meetings["m1"].id
    pattern = rf'<article class="dayof-meeting state-held" id="m{m1}">(.*?)</article>'
    card = re.search(pattern, text, re.S).group(1)
    assert "Table 1" in card and "09:00–09:30" in card
    assert "Atlas Logiciels" in card and "Banque de la Téranga" in card
    assert re.findall(r'<button type="submit" name="state" value="(\w+)"', card) == [
        "held",
        "no_show",
        "cancelled",
        "pending",
    ]
    assert 'value="held" class="dm-button held" aria-pressed="true"' in card


def test_day_sheet_viewer_reads_without_buttons(viewer_client, day):
    text = page_text(viewer_client.get(_sheet_url(day)))
    assert "Banque de la Téranga" in text
    assert 'name="state"' not in text
    assert "seuls les organisateurs peuvent saisir" in text


def test_day_state_viewer_is_forbidden(viewer_client, day):
    response = viewer_client.post_form(
        _state_url(day, "m5"),
        {"state": "held", "version": day.meetings["m5"].lock_version},
        token_from=_sheet_url(day),
    )
    assert response.status_code == 403
    assert _meeting(day, "m5").outcome is None


def test_day_state_other_mission_is_not_found(client, day, organiser, mission):
    client.login(organiser.email)  # organiser of `mission`, not of the day's mission
    assert client.get(_sheet_url(day)).status_code == 404
    response = client.post_form(
        _state_url(day, "m5"),
        {"state": "held", "version": 1},
        token_from=f"/missions/{mission.id}/day",
    )
    assert response.status_code == 404
    assert _meeting(day, "m5").outcome is None


def test_day_state_meeting_of_another_mission_is_not_found(organiser_client, day):
    stranger = factories.MeetingFactory()
    db.session.commit()
    response = organiser_client.post_form(
        f"/missions/{day.mission.id}/day/meetings/{stranger.id}",
        {"state": "held", "version": stranger.lock_version},
        token_from=_sheet_url(day),
    )
    assert response.status_code == 404
    assert db.session.get(Meeting, stranger.id).outcome is None


def test_day_state_without_csrf_token_is_refused(organiser_client, day):
    response = organiser_client.post(
        _state_url(day, "m5"), data={"state": "held", "version": day.meetings["m5"].lock_version}
    )
    assert response.status_code == 400
    assert _meeting(day, "m5").outcome is None


def test_day_state_plain_form_records_and_redirects_to_the_meeting(organiser_client, day):
    response = organiser_client.post_form(
        _state_url(day, "m5"),
        {"state": "no_show", "version": day.meetings["m5"].lock_version},
        token_from=_sheet_url(day),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/missions/{day.mission.id}/day?leg={day.dakar.id}&day=2026-05-12#m{day.meetings['m5'].id}"
    )
    assert _meeting(day, "m5").outcome == "no_show"


def test_day_state_htmx_answers_with_the_card_and_the_counts(organiser_client, day):
    token = organiser_client.csrf_token(_sheet_url(day))
    response = organiser_client.post(
        _state_url(day, "m5"),
        data={"csrf_token": token, "state": "held", "version": day.meetings["m5"].lock_version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert text.lstrip().startswith(
        f'<article class="dayof-meeting state-held" id="m{day.meetings["m5"].id}">'
    )
    assert '<dl class="dayof-counts" id="day-counts" hx-swap-oob="true">' in text
    assert re.findall(r"<dt>(.*?)</dt>\s*<dd>(\d+)</dd>", text)[0] == ("tenus", "3")
    assert _meeting(day, "m5").outcome == "held"


def test_day_state_stale_version_shows_the_meeting_as_it_is(organiser_client, day):
    token = organiser_client.csrf_token(_sheet_url(day))
    seen = day.meetings["m5"].lock_version
    organiser_client.post(
        _state_url(day, "m5"),
        data={"csrf_token": token, "state": "held", "version": seen},
        headers={"HX-Request": "true"},
    )
    response = organiser_client.post(
        _state_url(day, "m5"),
        data={"csrf_token": token, "state": "no_show", "version": seen},
        headers={"HX-Request": "true"},
    )
    text = page_text(response)
    assert 'class="dayof-meeting state-held"' in text
    assert '<p class="dm-problem" role="alert">Quelqu’un d’autre a modifié ce rendez-vous' in text
    assert _meeting(day, "m5").outcome == "held"


def test_day_state_cancel_then_clear_restores_the_meeting(organiser_client, day):
    organiser_client.post_form(
        _state_url(day, "m5"),
        {"state": "cancelled", "version": day.meetings["m5"].lock_version},
        token_from=_sheet_url(day),
    )
    meeting = _meeting(day, "m5")
    assert meeting.status == "cancelled"
    organiser_client.post_form(
        _state_url(day, "m5"),
        {"state": "pending", "version": meeting.lock_version},
        token_from=_sheet_url(day),
    )
    meeting = _meeting(day, "m5")
    assert (meeting.status, meeting.outcome) == ("scheduled", None)


def test_follow_up_form_saves_and_lists(organiser_client, day):
    url = f"/missions/{day.mission.id}/meetings/{day.meetings['m5'].id}/follow-up"
    response = organiser_client.post_form(
        url,
        {
            "stage": "proposal",
            "notes": "Devis envoyé.",
            "estimated_value": "45 000,50",
            "currency": "MAD",
        },
    )
    assert response.status_code == 302
    saved = db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == day.meetings["m5"].id))
    assert (saved.stage, saved.estimated_value, saved.currency) == (
        "proposal",
        Decimal("45000.50"),
        "MAD",
    )
    text = page_text(organiser_client.get(f"/missions/{day.mission.id}/follow-ups"))
    assert "6 suivis" in text
    assert "294\u202f999,80\u00a0MAD" in text  # 150 000,10 + 99 999,20 + 45 000,50


def test_follow_up_form_shows_what_is_wrong_and_writes_nothing(organiser_client, day):
    url = f"/missions/{day.mission.id}/meetings/{day.meetings['m5'].id}/follow-up"
    response = organiser_client.post_form(
        url, {"stage": "lead", "notes": "", "estimated_value": "beaucoup", "currency": ""}
    )
    assert response.status_code == 200
    assert "La valeur estimée doit être un nombre, par exemple 12 500,50." in page_text(response)
    response = organiser_client.post_form(
        url, {"stage": "lead", "notes": "", "estimated_value": "-10", "currency": "XOF"}
    )
    assert "La valeur estimée ne peut pas être négative." in page_text(response)
    response = organiser_client.post_form(
        url, {"stage": "lead", "notes": "", "estimated_value": "10", "currency": ""}
    )
    assert "Choisissez la devise de la valeur estimée : MAD, XOF ou MRU." in page_text(response)
    assert (
        db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == day.meetings["m5"].id))
        is None
    )


def test_follow_up_viewer_cannot_save(viewer_client, day):
    url = f"/missions/{day.mission.id}/meetings/{day.meetings['m5'].id}/follow-up"
    assert viewer_client.get(url).status_code == 200
    response = viewer_client.post_form(
        url,
        {"stage": "lead", "notes": "", "estimated_value": "", "currency": ""},
        token_from=_sheet_url(day),
    )
    assert response.status_code == 403


def test_follow_ups_page_filters_by_firm_and_stage(organiser_client, day):
    url = f"/missions/{day.mission.id}/follow-ups?firm={day.cyber.id}&stage=contract"
    text = page_text(organiser_client.get(url))
    assert "1 suivi" in text
    assert "SNIM" in text and "Mauritel" not in text
    assert "99\u202f999,20\u00a0MAD" in text
    assert "XOF" not in re.search(
        r'<table class="list totals" id="totals">(.*?)</table>', text, re.S
    ).group(1)


def test_report_page_and_downloads(organiser_client, day):
    text = page_text(organiser_client.get(f"/missions/{day.mission.id}/report"))
    assert "Rapport de mission" in text
    assert "80,0\u00a0%" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in text
    response = organiser_client.get(f"/missions/{day.mission.id}/report.pdf")
    assert (response.status_code, response.mimetype) == (200, "application/pdf")
    assert response.data.startswith(b"%PDF-")
    response = organiser_client.get(f"/missions/{day.mission.id}/report.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "report-mission-tic-dakarnouakchott-2026.xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook["Synthèse"]["A1"].value == "Rapport de mission"


def test_report_other_mission_is_not_found(client, day, organiser):
    client.login(organiser.email)
    assert client.get(f"/missions/{day.mission.id}/report").status_code == 404
    assert client.get(f"/missions/{day.mission.id}/report.xlsx").status_code == 404
    assert client.get(f"/missions/{day.mission.id}/follow-ups").status_code == 404


def test_day_sheet_of_a_day_to_come_offers_only_cancelling(organiser_client, day):
    later = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
    request = factories.MeetingRequestFactory(
        mission=day.mission, delegation=day.atlas, host=day.snim
    )
    factories.MeetingWindowFactory(
        venue=day.azalai, start_at=later, end_at=later + timedelta(hours=2)
    )
    meeting = factories.MeetingFactory(
        request=request, venue=day.azalai, start_at=later, end_at=later + timedelta(minutes=30)
    )
    db.session.commit()
    text = page_text(organiser_client.get(_sheet_url(day, day.nouakchott, "2030-03-04")))
    card = re.search(rf'id="m{meeting.id}">(.*?)</article>', text, re.S).group(1)
    assert re.findall(
        r'value="(\w+)" class="dm-button \w+" aria-pressed="false"( disabled)?', card
    ) == [
        ("held", " disabled"),
        ("no_show", " disabled"),
        ("cancelled", ""),
    ]


def test_follow_up_form_returns_to_the_day_sheet_it_was_opened_from(organiser_client, day):
    back = (
        f"/missions/{day.mission.id}/day?leg={day.dakar.id}&day=2026-05-12#m{day.meetings['m5'].id}"
    )
    url = f"/missions/{day.mission.id}/meetings/{day.meetings['m5'].id}/follow-up"
    response = organiser_client.post_form(
        url,
        {"stage": "lead", "notes": "", "estimated_value": "", "currency": ""},
        query_string={"next": back},
        token_from=url,
    )
    assert response.headers["Location"] == back


@pytest.mark.parametrize(
    "elsewhere", ["https://evil.example/", "//evil.example/x", "/missions/999/day"]
)
def test_follow_up_form_never_returns_outside_the_mission(organiser_client, day, elsewhere):
    url = f"/missions/{day.mission.id}/meetings/{day.meetings['m5'].id}/follow-up"
    response = organiser_client.post_form(
        url,
        {"stage": "lead", "notes": "", "estimated_value": "", "currency": ""},
        query_string={"next": elsewhere},
        token_from=url,
    )
    assert response.headers["Location"] == f"/missions/{day.mission.id}/follow-ups"


def test_follow_up_delete_needs_an_organiser_and_a_token(client, day):
    m1 = day.meetings["m1"].id
    url = f"/missions/{day.mission.id}/meetings/{m1}/follow-up"
    viewer = factories.UserFactory()
    factories.MembershipFactory(user=viewer, mission=day.mission, role="viewer")
    organiser = factories.UserFactory()
    factories.MembershipFactory(user=organiser, mission=day.mission, role="organiser")
    db.session.commit()
    client.login(viewer.email)
    assert client.post_form(f"{url}/delete", token_from=url).status_code == 403
    client.post_form("/logout", token_from=url)
    client.login(organiser.email)
    assert client.post(f"{url}/delete").status_code == 400  # no CSRF token
    assert db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == m1)) is not None
    response = client.post_form(f"{url}/delete", token_from=url)
    assert response.headers["Location"] == f"/missions/{day.mission.id}/follow-ups"
    assert db.session.scalar(select(FollowUp).where(FollowUp.meeting_id == m1)) is None
