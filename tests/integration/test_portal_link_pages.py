"""Organisers manage personal links: see and copy them, revoke them, issue new ones."""

from __future__ import annotations

import pytest

from mission_app.extensions import db
from tests import factories
from tests.conftest import page_text


@pytest.fixture
def salma(mission):
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    person = factories.PersonFactory(organisation=firm, name="Salma Benali")
    db.session.commit()
    return person


def _organisation_page(client, person) -> str:
    url = f"/missions/{person.mission_id}/organisations/{person.organisation_id}"
    return page_text(client.get(url))


def test_organisation_page_shows_each_persons_link_to_copy_and_open(logged_in, salma):
    page = _organisation_page(logged_in, salma)
    link = f"http://localhost/p/{salma.access_token}"
    assert f'readonly size="48" value="{link}"' in page
    assert f'<a href="{link}" target="_blank" rel="noopener noreferrer">Ouvrir</a>' in page
    base = f"/missions/{salma.mission_id}/people/{salma.id}/link"
    assert f'href="{base}/revoke">Révoquer</a>' in page
    assert f'href="{base}/reissue">Émettre un nouveau lien</a>' in page


def test_viewer_sees_links_but_no_buttons(client, viewer, salma):
    client.login(viewer.email)
    page = _organisation_page(client, salma)
    assert f"/p/{salma.access_token}" in page
    assert "/link/revoke" not in page
    assert "/link/reissue" not in page


def test_revoke_asks_first_then_the_link_stops_working(logged_in, salma):
    token = salma.access_token
    url = f"/missions/{salma.mission_id}/people/{salma.id}/link/revoke"
    confirm = page_text(logged_in.get(url))
    assert "Révoquer le lien de Salma Benali ?" in confirm
    assert salma.access_token == token  # asking changes nothing
    response = logged_in.post_form(url)
    assert response.status_code == 302
    assert response.headers["Location"] == (
        f"/missions/{salma.mission_id}/organisations/{salma.organisation_id}#links"
    )
    assert salma.access_token is None
    page = _organisation_page(logged_in, salma)
    assert "Le lien de Salma Benali est révoqué" in page
    assert "Révoqué" in page
    assert "Personne ne peut ouvrir cet agenda tant qu'un nouveau lien n'est pas émis." in page
    assert "/link/revoke" not in page
    assert logged_in.get(f"/p/{token}").status_code == 404


def test_reissue_says_the_old_link_stops_then_replaces_it(logged_in, salma):
    old = salma.access_token
    url = f"/missions/{salma.mission_id}/people/{salma.id}/link/reissue"
    confirm = page_text(logged_in.get(url))
    assert "Émettre un nouveau lien pour Salma Benali ?" in confirm
    assert "Le lien actuel cesse aussitôt de fonctionner" in confirm
    response = logged_in.post_form(url)
    assert response.status_code == 302
    new = salma.access_token
    assert new is not None and new != old
    page = _organisation_page(logged_in, salma)
    assert "Nouveau lien émis pour Salma Benali. L'ancien ne fonctionne plus" in page
    assert f"http://localhost/p/{new}" in page
    assert logged_in.get(f"/p/{old}").status_code == 404
    assert logged_in.get(f"/p/{new}").status_code == 200


def test_reissue_after_revoke_opens_the_agenda_again(logged_in, salma):
    base = f"/missions/{salma.mission_id}/people/{salma.id}/link"
    logged_in.post_form(f"{base}/revoke")
    confirm = page_text(logged_in.get(f"{base}/reissue"))
    assert "Son lien est révoqué pour l'instant." in confirm
    logged_in.post_form(f"{base}/reissue")
    assert salma.access_token is not None
    assert logged_in.get(f"/p/{salma.access_token}").status_code == 200
    assert "Nouveau lien émis pour Salma Benali : envoyez-le-lui." in _organisation_page(
        logged_in, salma
    )


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_viewer_gets_403_and_the_link_stays(client, viewer, salma, action):
    client.login(viewer.email)
    token = salma.access_token
    url = f"/missions/{salma.mission_id}/people/{salma.id}/link/{action}"
    assert client.get(url).status_code == 403
    csrf = client.csrf_token(f"/missions/{salma.mission_id}/organisations")
    assert client.post(url, data={"csrf_token": csrf}).status_code == 403
    assert salma.access_token == token


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_organiser_of_another_mission_gets_404(logged_in, mission, action):
    stranger = factories.PersonFactory()
    db.session.commit()
    token = stranger.access_token
    own_mission_url = f"/missions/{mission.id}/people/{stranger.id}/link/{action}"
    their_mission_url = f"/missions/{stranger.mission_id}/people/{stranger.id}/link/{action}"
    assert logged_in.get(own_mission_url).status_code == 404
    assert logged_in.get(their_mission_url).status_code == 404
    csrf = logged_in.csrf_token(f"/missions/{mission.id}/organisations")
    assert logged_in.post(own_mission_url, data={"csrf_token": csrf}).status_code == 404
    assert logged_in.post(their_mission_url, data={"csrf_token": csrf}).status_code == 404
    assert stranger.access_token == token


@pytest.mark.parametrize("action", ["revoke", "reissue"])
def test_post_without_csrf_token_changes_nothing(logged_in, salma, action):
    token = salma.access_token
    url = f"/missions/{salma.mission_id}/people/{salma.id}/link/{action}"
    assert logged_in.post(url).status_code == 400
    assert salma.access_token == token


def test_anonymous_visitor_is_sent_to_login(client, salma):
    url = f"/missions/{salma.mission_id}/people/{salma.id}/link/revoke"
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
