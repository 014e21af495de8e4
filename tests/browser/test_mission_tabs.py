"""The mission's section tabs: all in sight on a laptop, scrolled sideways on a phone."""

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser


def _log_in(page):
    mission = factories.MissionFactory(title="Mission TIC Sénégal – Mauritanie")
    organiser = factories.UserFactory()
    factories.MembershipFactory(user=organiser, mission=mission, role="organiser")
    db.session.commit()
    log_in(page, organiser)
    return mission


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_every_section_tab_is_in_sight_on_a_laptop(page, width):
    mission = _log_in(page)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"/missions/{mission.id}/schedule")
    tabs = page.locator("nav.tabs a")
    expect(tabs.last).to_have_text("Import / export")
    for box in (tabs.nth(i).bounding_box() for i in range(tabs.count())):
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") == width


def test_section_tabs_scroll_sideways_on_a_phone_and_the_page_does_not(page):
    mission = _log_in(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/missions/{mission.id}/schedule")
    scroll_width, client_width = page.eval_on_selector(
        "nav.tabs", "tabs => [tabs.scrollWidth, tabs.clientWidth]"
    )
    assert scroll_width > client_width  # one row, scrolled, rather than a wall of tabs
    assert page.evaluate("document.documentElement.scrollWidth") == 390
