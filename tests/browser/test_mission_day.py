"""An organiser on a phone marks meetings on the day sheet: each tap updates the meeting and the
counts in place (htmx), and the page works the same without JavaScript."""

import os

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from mission_app.models import Meeting
from tests import factories
from tests.browser.conftest import log_in
from tests.mission_day import build_mission_day

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}


def _log_in(page, day):
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=day.mission, role="organiser")
    db.session.commit()
    log_in(page, user)


def _count(page, state):
    return page.locator(f"#day-counts .count-{state} dd")


def test_organiser_marks_meetings_on_a_phone_in_place(page, tmp_path):
    day = build_mission_day()
    _log_in(page, day)
    page.set_viewport_size(PHONE)
    page.goto(f"/missions/{day.mission.id}/day")
    expect(page.get_by_role("heading", name="Jour J · Dakar")).to_be_visible()
    expect(_count(page, "pending")).to_have_text("1")
    assert page.evaluate("document.documentElement.scrollWidth") == PHONE["width"]

    card = page.locator(f"#m{day.meetings['m5'].id}")
    expect(card).to_contain_text("Atlas Logiciels")
    card.get_by_role("button", name="Tenu").click()
    expect(card.locator(".dm-state")).to_have_text("Tenu")
    expect(_count(page, "held")).to_have_text("3")
    expect(_count(page, "pending")).to_have_text("0")
    page.screenshot(path=os.environ.get("DAYOF_SCREENSHOT") or str(tmp_path / "day.png"))

    card = page.locator(f"#m{day.meetings['m5'].id}")  # swapped in by htmx
    card.get_by_role("button", name="Effacer").click()
    expect(card.locator(".dm-state")).to_have_text("Non saisi")
    expect(_count(page, "pending")).to_have_text("1")
    # Each answer came from the server in place: the page was never reloaded.
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    db.session.expire_all()
    assert db.session.get(Meeting, day.meetings["m5"].id).outcome is None


def test_organiser_marks_a_meeting_without_javascript(browser, live_server, app_ctx):
    context = browser.new_context(
        base_url=live_server, locale="fr-FR", viewport=PHONE, java_script_enabled=False
    )
    page = context.new_page()
    try:
        day = build_mission_day()
        _log_in(page, day)
        page.goto(f"/missions/{day.mission.id}/day")
        card = page.locator(f"#m{day.meetings['m5'].id}")
        card.get_by_role("button", name="Absence").click()
        expect(page.locator(f"#m{day.meetings['m5'].id} .dm-state")).to_have_text("Absence")
        expect(_count(page, "no_show")).to_have_text("2")
        assert page.url.endswith(f"#m{day.meetings['m5'].id}")
    finally:
        context.close()
