"""An organiser publishes a moved meeting; the participant's phone shows what changed, once."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from tests import factories
from tests.conftest import PASSWORD
from tests.factories import MEETING_DAY

pytestmark = pytest.mark.browser
HALF_HOUR = timedelta(minutes=30)


def _mission():
    mission = factories.MissionFactory(title="Mission TIC Dakar")
    organiser = factories.UserFactory()
    factories.MembershipFactory(user=organiser, mission=mission, role="organiser")
    leg = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=4)
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    salma = factories.PersonFactory(organisation=firm, name="Salma Benali", languages=["fr"])
    meetings = []
    for n, name in enumerate(["Sonatel", "Banque de l'Habitat du Sénégal", "Orange Business"]):
        host = factories.OrganisationFactory(mission=mission, name=name, host=True)
        factories.PersonFactory(organisation=host, name=f"Contact {n + 1}", position="DSI")
        request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        meetings.append(
            factories.MeetingFactory(
                request=request,
                venue=venue,
                table_number=n + 1,
                start_at=MEETING_DAY + n * HALF_HOUR,
                end_at=MEETING_DAY + (n + 1) * HALF_HOUR,
            )
        )
    factories.publish(mission)
    db.session.commit()
    return mission, organiser, salma, meetings


def test_published_changes_show_on_the_participants_phone_until_seen(page, tmp_path):
    mission, organiser, salma, (sonatel, bank, orange) = _mission()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/p/{salma.access_token}")  # she sees version 1
    expect(page.get_by_text("(version 1)")).to_be_visible()

    sonatel.start_at, sonatel.end_at = MEETING_DAY + 6 * HALF_HOUR, MEETING_DAY + 7 * HALF_HOUR
    sonatel.table_number = 4
    orange.status = "cancelled"
    db.session.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/login")
    page.get_by_label("E-mail").fill(organiser.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.goto(f"/missions/{mission.id}/publish")
    expect(page.locator("#pending")).to_contain_text("2 rendez-vous à publier")
    page.get_by_label("Note conservée avec cette version").fill("Sonatel déplacé, Orange annulé")
    page.screenshot(path=tmp_path / "publish-preview.png", full_page=True)
    page.get_by_role("button", name="Publier la version 2").click()
    expect(page.get_by_text("Version 2 publiée.")).to_be_visible()
    page.screenshot(path=tmp_path / "publish-done.png", full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/p/{salma.access_token}")
    changes = page.locator("section.changes")
    expect(changes).to_contain_text("Ce qui a changé pour vous depuis votre dernière visite")
    expect(changes.locator("li.change")).to_have_count(2)
    expect(changes.locator("li.moved")).to_contain_text("Désormais : mar. 12 mai 12:00 – 12:30")
    expect(changes.locator("li.cancelled")).to_contain_text("Orange Business")
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.screenshot(path=tmp_path / "portal-fr.png", full_page=True)

    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("section.changes li.change")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") == 390
    page.screenshot(path=tmp_path / "portal-ar.png", full_page=True)

    db.session.refresh(salma)
    salma.seen_publication_at -= timedelta(hours=73)  # three days on, the list counts as seen
    db.session.commit()
    page.goto(f"/p/{salma.access_token}")
    expect(page.get_by_text("(الإصدار 2)")).to_be_visible()
    expect(page.locator("section.changes")).to_have_count(0)
