"""A personal link that does not work gets a participant's page: the portal's look, the
browser's language (fr, en or ar, right to left), and what to do next. Never the organisers'
page, and the same page for every bad link."""

from __future__ import annotations

import re

import pytest

from mission_app.extensions import db
from mission_app.services.portal import revoke_link
from tests import factories
from tests.conftest import page_text


def visible(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page_text(response), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", page_text(response)).group(0)


@pytest.fixture
def salma(app_ctx):
    mission = factories.MissionFactory(title="Mission TIC Dakar")
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    person = factories.PersonFactory(organisation=firm, name="Salma Benali", languages=["fr"])
    db.session.commit()
    return person


FRENCH = (
    "Ce lien ne fonctionne pas Il est peut-être incomplet, ou les organisateurs "
    "l’ont remplacé par un nouveau lien. Demandez à l’organisateur de votre mission un nouveau "
    "lien vers votre agenda."
)


def test_revoked_link_gets_the_portal_page_in_the_browsers_french(client, salma):
    token = salma.access_token
    revoke_link(None, salma)
    db.session.commit()
    response = client.get(f"/p/{token}", headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert response.status_code == 404
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    assert FRENCH in visible(response)
    assert "css/portal.css" in page_text(response)
    # None of the organisers' chrome: no top bar with their menu, no link to log in or back.
    assert "css/app.css" not in page_text(response)
    assert "/login" not in page_text(response)
    assert "Salma" not in page_text(response) and "Mission TIC Dakar" not in page_text(response)


def test_bad_link_speaks_english_to_an_english_browser(client, salma):
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert response.status_code == 404
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "This link does not work" in visible(response)
    assert "Ask the organiser of your mission for a new link to your agenda." in visible(response)


def test_bad_link_speaks_arabic_right_to_left_to_an_arabic_browser(client, salma):
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "ar-MA,ar;q=0.9"})
    assert response.status_code == 404
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "هذا الرابط لا يعمل" in visible(response)
    assert "اطلب من منظّم بعثتك رابطًا جديدًا إلى جدول أعمالك." in visible(response)


def test_bad_link_in_a_language_the_portal_lacks_falls_back_to_french(client, salma):
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    assert FRENCH in visible(response)


def test_bad_link_page_offers_the_three_languages_and_follows_the_choice(client, salma):
    french = client.get("/p/not-a-real-token", headers={"Accept-Language": "fr"})
    for code in ("fr", "en", "ar"):
        assert f'href="?lang={code}"' in page_text(french)
    english = client.get("/p/not-a-real-token?lang=en", headers={"Accept-Language": "fr"})
    assert english.status_code == 404
    assert html_tag(english) == '<html lang="en" dir="ltr">'


def test_language_chosen_earlier_on_the_portal_wins_over_the_browsers(client, salma):
    assert client.get(f"/p/{salma.access_token}?lang=ar").status_code == 200  # sets the cookie
    response = client.get("/p/not-a-real-token", headers={"Accept-Language": "en"})
    assert html_tag(response) == '<html lang="ar" dir="rtl">'


@pytest.mark.parametrize(
    "path",
    [
        "/p/{bad}",
        "/p/{bad}/agenda.pdf",
        "/p/{bad}/agenda.ics",
        "/p/{good}/",
        "/p/{good}/x/y",
        "/p/",
    ],
)
def test_every_bad_portal_address_gets_the_same_page(client, salma, path):
    """Wrong token, a document of a wrong token, a good link with something stuck to its end:
    byte for byte the same page, so that none of them tells whether a token exists."""
    headers = {"Accept-Language": "en"}
    reference = client.get("/p/not-a-real-token", headers=headers)
    response = client.get(path.format(bad="A" * 43, good=salma.access_token), headers=headers)
    assert response.status_code == 404
    assert page_text(response) == page_text(reference)
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    assert set(response.headers["Vary"].replace(" ", "").split(",")) >= {
        "Accept-Language",
        "Cookie",
    }


def test_good_link_still_shows_the_agenda(client, salma):
    assert client.get(f"/p/{salma.access_token}").status_code == 200


def test_organisers_unknown_pages_keep_their_own_404(client, salma):
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "This link does not work" not in page_text(response)
