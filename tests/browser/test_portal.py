"""A participant opens their personal link on a phone: the agenda, the PDF, the language."""

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from tests import factories

pytestmark = pytest.mark.browser


def test_participant_sees_their_agenda_on_a_phone_and_downloads_the_pdf(page):
    mission = factories.MissionFactory(title="Mission TIC Dakar")
    leg = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi")
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    salma = factories.PersonFactory(organisation=firm, name="Salma Benali", languages=["fr"])
    sonatel = factories.OrganisationFactory(mission=mission, name="Sonatel", host=True)
    factories.PersonFactory(organisation=sonatel, name="Aminata Diop", position="DSI")
    request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=sonatel)
    factories.MeetingFactory(request=request, venue=venue, table_number=2)
    factories.publish(mission)
    db.session.commit()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/p/{salma.access_token}")
    expect(page.get_by_role("heading", name="Salma Benali")).to_be_visible()
    meeting = page.locator("article.meeting")
    expect(meeting).to_contain_text("09:00 – 09:30")
    expect(meeting).to_contain_text("Sonatel")
    expect(meeting).to_contain_text("Aminata Diop")
    expect(meeting).to_contain_text("Table 2")
    expect(page.get_by_text("Dakar · heure de Dakar (UTC)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") == 390  # no sideways scroll

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    page.get_by_role("link", name="العربية").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.get_by_role("link", name="تنزيل ملف PDF")).to_be_visible()
    page.goto(f"/p/{salma.access_token}")  # the choice is remembered
    expect(page.locator("html")).to_have_attribute("lang", "ar")
