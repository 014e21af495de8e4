"""Publishing from the browser fills the outbox, in Chromium, with a real SMTP server."""

import re

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from tests import factories
from tests.browser.conftest import log_in
from tests.integration.test_notifications import _publish, _scenario
from tests.smtp import smtp_server_fixture  # noqa: F401

pytestmark = pytest.mark.browser


def test_outbox_shows_sent_and_unaddressed_people_on_a_phone(page, smtp_server):
    mission = factories.MissionFactory(title="Mission TIC Dakar – Nouakchott")
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.always_refuse = {"john@bdk.example"}
    send_pending_messages(mission.id)
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, user)
    page.goto(f"/missions/{mission.id}/outbox")

    expect(page.get_by_role("heading", name="Envois")).to_be_visible()
    expect(page.locator(".outbox-count.state-sent strong")).to_have_text("2")
    expect(page.locator("tr.state-no_address")).to_contain_text("Fatou Sall")
    expect(page.locator("tr.state-waiting")).to_contain_text("john@bdk.example")
    expect(page.get_by_role("link", name=re.compile("Imprimer son agenda"))).to_be_visible()


def test_publishing_from_the_page_fills_the_outbox(page, smtp_server):
    mission = factories.MissionFactory(title="Mission TIC Dakar – Nouakchott")
    user = factories.UserFactory()
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    _scenario(mission)
    db.session.commit()

    log_in(page, user)
    page.goto(f"/missions/{mission.id}/publish")
    page.locator("form.publish-form button[type=submit]").click()
    expect(page.locator(".flash")).to_have_text("Version 1 publiée. 3 e-mails à envoyer.")
    page.get_by_role("link", name="Envois", exact=True).click()

    expect(page.get_by_role("heading", name="Envois")).to_be_visible()
    expect(page.locator(".outbox-count.state-sent strong")).to_have_text("3")
    expect(page.locator(".outbox-count.state-no_address strong")).to_have_text("1")
    expect(page.locator("tr.state-sent")).to_have_count(3)
    assert sorted(smtp_server.by_recipient()) == [
        "amina@atlas.example",
        "john@bdk.example",
        "omar@sahara.example",
    ]
