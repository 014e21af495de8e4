"""An organiser's first steps, in Chromium: log in, create a mission, add a firm and a person."""

import re

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_organiser_creates_a_mission_and_sees_its_first_participant(page):
    user = factories.UserFactory(email="organisatrice@agence.example")
    db.session.commit()

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("E-mail").fill(user.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Missions")).to_be_visible()

    page.get_by_role("link", name="Nouvelle mission").click()
    page.get_by_label("Titre").fill("Mission TIC Sénégal – Mauritanie")
    page.get_by_label("Organisée par").fill("Agence marocaine des exportations")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Mission créée.")).to_be_visible()

    page.get_by_role("link", name="Participants", exact=True).click()
    page.get_by_role("link", name="Ajouter une entreprise de la délégation").click()
    page.get_by_label("Nom", exact=True).fill("Atlas Cybersécurité")
    page.get_by_label("Secteurs").fill("cybersécurité, cloud")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Atlas Cybersécurité ajoutée.")).to_be_visible()

    page.get_by_role("link", name="Ajouter une personne").click()
    page.get_by_label("Nom", exact=True).fill("Salma Benali")
    page.get_by_label("Fonction").fill("Directrice générale")
    page.get_by_label("E-mail").fill("salma@atlas.example")
    page.get_by_role("button", name="Enregistrer").click()

    page.get_by_role("link", name="Tous les participants").click()
    row = page.locator("#organisations tbody tr").filter(has_text="Atlas Cybersécurité")
    expect(row).to_contain_text("Salma Benali")
    expect(row).to_contain_text("Directrice générale")
    expect(row).to_contain_text("Entreprise TIC")
    expect(page.get_by_text("1 organisation")).to_be_visible()
