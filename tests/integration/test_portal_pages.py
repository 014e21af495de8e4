"""The participant portal: each person's agenda behind their own link, in fr, en and ar."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mission_app.extensions import db
from mission_app.services.portal import revoke_link
from tests import factories
from tests.conftest import page_text
from tests.factories import MEETING_DAY
from tests.integration.test_query_counts import counting_statements


def visible(response) -> str:
    """The page's text without tags, spaces collapsed: what a reader sees, in order."""
    body = page_text(response)
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()


@pytest.fixture
def delegation(app_ctx):
    """Two delegates of one firm, three hosts, a leg in Dakar and a preparatory leg in
    Casablanca (UTC+1 in May, so that a time in the leg's zone differs from UTC)."""
    mission = factories.MissionFactory(
        title="Mission TIC Dakar", organiser="Agence marocaine des exportations"
    )
    casablanca = factories.LegFactory(
        mission=mission,
        city="Casablanca",
        country="MA",
        timezone="Africa/Casablanca",
        position=0,
    )
    dakar = factories.LegFactory(mission=mission, city="Dakar", position=1)
    terrou_bi = factories.VenueFactory(
        leg=dakar, name="Hôtel Terrou-Bi", address="Boulevard Martin Luther King, Dakar"
    )
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    salma = factories.PersonFactory(organisation=atlas, name="Salma Benali", languages=["fr"])
    youssef = factories.PersonFactory(
        organisation=atlas, name="Youssef El Idrissi", languages=["ar", "fr"]
    )
    sonatel = factories.OrganisationFactory(
        mission=mission,
        name="Sonatel",
        host=True,
        description="Opérateur historique du Sénégal.",
    )
    factories.PersonFactory(organisation=sonatel, name="Aminata Diop", position="DSI")
    bank = factories.OrganisationFactory(
        mission=mission, name="Banque de l'Habitat", host=True, category="purchasing"
    )
    moussa = factories.PersonFactory(
        organisation=bank, name="Moussa Fall", position="Directeur des achats"
    )
    orange = factories.OrganisationFactory(mission=mission, name="Orange Business", host=True)
    khady = factories.PersonFactory(organisation=orange, name="Khady Ndiaye", position="DG")

    both = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=sonatel)
    factories.MeetingFactory(request=both, venue=terrou_bi, table_number=2)
    youssef_only = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=bank)
    youssef_only.attendees.extend([youssef, moussa])
    factories.MeetingFactory(
        request=youssef_only,
        venue=terrou_bi,
        table_number=3,
        start_at=MEETING_DAY + timedelta(hours=1),
        end_at=MEETING_DAY + timedelta(hours=1, minutes=30),
    )
    salma_only = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=orange)
    salma_only.attendees.extend([salma, khady])
    orange_meeting = factories.MeetingFactory(
        request=salma_only,
        venue=terrou_bi,
        table_number=1,
        start_at=MEETING_DAY + timedelta(hours=2),
        end_at=MEETING_DAY + timedelta(hours=2, minutes=30),
    )
    briefing = factories.ActivityFactory(
        mission=mission,
        leg=casablanca,
        kind="plenary",
        title="Réunion préparatoire",
        location="Technopark",
        address="Route de Nouaceur, Casablanca",
        start_at=MEETING_DAY - timedelta(days=1, hours=1),  # 08:00 UTC, 09:00 in Casablanca
        end_at=MEETING_DAY - timedelta(days=1),
    )
    flight = factories.ActivityFactory(
        mission=mission,
        leg=casablanca,
        kind="transfer",
        title="Vol Casablanca → Dakar",
        start_at=MEETING_DAY - timedelta(hours=15),  # 18:00 UTC, 19:00 in Casablanca
        end_at=MEETING_DAY - timedelta(hours=12),
    )
    briefing.attendees.extend([salma, youssef])
    flight.attendees.append(salma)
    factories.publish(mission)
    orange_meeting.status = "cancelled"  # after the first version: participants are told
    factories.publish(mission)
    db.session.commit()
    return mission, salma, youssef


def test_agenda_shows_each_meeting_in_its_legs_zone_with_counterpart_and_place(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{salma.access_token}")
    assert response.status_code == 200
    text = visible(response)
    assert "Salma Benali Atlas Cyber" in text
    assert (
        "Mardi 12 mai 2026 Dakar · heure de Dakar ( UTC ) 09:00 – 09:30 Sonatel DSI "
        "Aminata Diop DSI Table 2 Hôtel Terrou-Bi Boulevard Martin Luther King, Dakar "
        "Avec vous : Youssef El Idrissi À propos de Sonatel Opérateur historique du Sénégal."
    ).lower() in text.lower()


def test_agenda_shows_activities_and_travel_in_their_legs_local_time(client, delegation):
    mission, salma, youssef = delegation
    text = visible(client.get(f"/p/{salma.access_token}"))
    assert (
        "lundi 11 mai 2026 Casablanca · heure de Casablanca ( UTC+1 ) "
        "09:00 – 10:00 Plénière Réunion préparatoire Technopark "
        "Route de Nouaceur, Casablanca 19:00 – 22:00 Transfert Vol Casablanca → Dakar"
    ) in text


def test_cancelled_meeting_is_shown_struck_through(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{salma.access_token}")
    page = page_text(response)
    assert '<article class="entry meeting cancelled">' in page
    assert "<del><bdi>Orange Business</bdi></del>" in page
    assert '<del><bdi dir="ltr">11:00 – 11:30</bdi></del>' in page
    assert "11:00 – 11:30 Annulé Orange Business" in visible(response)
    assert "1 rendez-vous · 2 activités" in visible(response)  # the cancelled one not counted


def test_token_shows_only_its_holders_meetings(client, delegation):
    mission, salma, youssef = delegation
    salma_page = visible(client.get(f"/p/{salma.access_token}?lang=fr"))
    youssef_page = visible(client.get(f"/p/{youssef.access_token}?lang=fr"))
    assert "Sonatel" in salma_page and "Sonatel" in youssef_page
    assert "Orange Business" in salma_page
    assert "Orange Business" not in youssef_page
    assert "Banque de l'Habitat" in youssef_page
    assert "Banque de l'Habitat" not in salma_page
    assert "Moussa Fall" not in salma_page
    assert "Vol Casablanca → Dakar" not in youssef_page


def test_agenda_speaks_arabic_right_to_left_for_an_arabic_speaker(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{youssef.access_token}")
    page = page_text(response)
    assert '<html lang="ar" dir="rtl">' in page
    assert "تنزيل ملف PDF" in page
    assert "الطاولة <bdi>2</bdi>" in page
    assert '<bdi dir="ltr">09:00 – 09:30</bdi>' in page
    assert "بتوقيت Dakar" in visible(response)


def test_agenda_speaks_the_persons_language_by_default(client, delegation):
    mission, salma, youssef = delegation
    page = page_text(client.get(f"/p/{salma.access_token}"))
    assert '<html lang="fr" dir="ltr">' in page
    assert "Télécharger le PDF" in page


def test_language_switch_is_remembered_in_a_cookie(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{salma.access_token}?lang=en")
    assert '<html lang="en" dir="ltr">' in page_text(response)
    assert "Download the PDF" in page_text(response)
    (cookie,) = response.headers.getlist("Set-Cookie")
    assert cookie.startswith("portal_lang=en;")
    assert "Path=/p/" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    again = client.get(f"/p/{salma.access_token}")
    assert '<html lang="en" dir="ltr">' in page_text(again)
    assert again.headers.getlist("Set-Cookie") == []
    arabic = client.get(f"/p/{salma.access_token}?lang=ar")
    assert '<html lang="ar" dir="rtl">' in page_text(arabic)


def test_unknown_language_falls_back_to_the_persons_own(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{youssef.access_token}?lang=de")
    assert '<html lang="ar" dir="rtl">' in page_text(response)
    assert response.headers.getlist("Set-Cookie") == []


def test_language_switch_offers_the_three_languages(client, delegation):
    mission, salma, youssef = delegation
    page = page_text(client.get(f"/p/{salma.access_token}"))
    assert '<a href="?lang=fr" lang="fr" hreflang="fr"' in page
    assert ">EN</a>" in page
    assert ">العربية</a>" in page


def test_agenda_links_to_pdf_calendar_subscription_and_download(client, delegation):
    mission, salma, youssef = delegation
    token = salma.access_token
    page = page_text(client.get(f"/p/{token}"))
    assert f'href="/p/{token}/agenda.pdf?lang=fr" download>Télécharger le PDF</a>' in page
    assert f'href="webcal://localhost/p/{token}/agenda.ics">' in page
    assert f'value="http://localhost/p/{token}/agenda.ics"' in page
    assert f'href="/p/{token}/agenda.ics?download=1" download>' in page
    assert f'href="webcal://localhost/p/{token}/organisation.ics">' in page
    assert f'href="webcal://localhost/p/{token}/programme.ics">' in page
    assert f'href="/p/{token}/organisation.ics?download=1" download>' in page
    assert f'href="/p/{token}/programme.ics?download=1" download>' in page
    assert "Toutes les réunions" not in page  # French says rendez-vous
    assert "Tous les rendez-vous de votre organisation, Atlas Cyber" in page


def test_agenda_with_nothing_yet_says_so(client, mission):
    person = factories.PersonFactory(organisation__mission=mission, name="Nadia Alaoui")
    db.session.commit()
    text = visible(client.get(f"/p/{person.access_token}"))
    assert (
        "Votre agenda apparaîtra ici dès que les organisateurs l’auront publié. "
        "Revenez sur cette page plus tard."
    ) in text
    assert "Rien dans votre agenda" not in text
    assert "0 rendez-vous · 0 activité" in text
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    factories.MeetingFactory(request__mission=mission, venue=venue)  # someone else's
    assert factories.publish(mission).number == 1
    text = visible(client.get(f"/p/{person.access_token}"))
    assert "Rien dans votre agenda pour l'instant." in text
    assert "apparaîtra ici" not in text


def test_activity_outside_any_leg_is_shown_in_universal_time(client, mission):
    person = factories.PersonFactory(organisation__mission=mission)
    dinner = factories.ActivityFactory(mission=mission, kind="social", title="Dîner de clôture")
    dinner.attendees.append(person)
    db.session.commit()
    text = visible(client.get(f"/p/{person.access_token}"))
    assert "Mardi 12 mai 2026 Temps universel ( UTC ) 15:00 – 17:00".lower() in text.lower()


def test_agenda_headers_keep_the_link_private_and_cache_briefly(client, delegation):
    mission, salma, youssef = delegation
    response = client.get(f"/p/{salma.access_token}")
    assert response.headers["Cache-Control"] == "private, max-age=60"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert "Cookie" in response.headers["Vary"]
    assert "script" not in page_text(response).lower()  # the portal needs no script


def test_organiser_pages_keep_their_own_referrer_policy(logged_in, mission):
    response = logged_in.get(f"/missions/{mission.id}")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "X-Robots-Tag" not in response.headers


@pytest.mark.parametrize("token", ["x", "A" * 32, "A" * 80, "%2e%2e%2fetc%2fpasswd"])
def test_wrong_token_gets_the_same_404_as_any_bad_link(client, delegation, token):
    response = client.get(f"/p/{token}")
    bad_link = client.get("/p/no-such-link")
    assert response.status_code == 404
    # The participant's page for a link that does not work, the same for every bad link (see
    # test_portal_link_not_found.py): it tells nothing about which tokens exist.
    assert page_text(response) == page_text(bad_link)
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_revoked_token_gets_404(client, delegation):
    mission, salma, youssef = delegation
    token = salma.access_token
    assert client.get(f"/p/{token}").status_code == 200
    revoke_link(None, salma)
    response = client.get(f"/p/{token}")
    assert response.status_code == 404
    assert "Salma" not in page_text(response)


def test_tokens_carry_192_random_bits(app_ctx):
    people = factories.PersonFactory.create_batch(50)
    tokens = {person.access_token for person in people}
    assert len(tokens) == 50
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", token)  # 32 base64url characters: 192 bits


def _delegate_with_meetings(mission, venue, meetings: int, first_table: int):
    firm = factories.OrganisationFactory(mission=mission)
    person = factories.PersonFactory(organisation=firm)
    for n in range(meetings):
        host = factories.OrganisationFactory(mission=mission, host=True)
        factories.PersonFactory.create_batch(2, organisation=host)
        request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        factories.MeetingFactory(
            request=request,
            venue=venue,
            table_number=first_table + n,
            start_at=MEETING_DAY + timedelta(hours=n),
            end_at=MEETING_DAY + timedelta(hours=n, minutes=30),
        )
        activity = factories.ActivityFactory(mission=mission, leg=venue.leg)
        activity.attendees.append(person)
    return person


def test_agenda_page_queries_do_not_grow_with_the_agenda(client, mission):
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission), tables=14)
    light = _delegate_with_meetings(mission, venue, 1, first_table=1)
    busy = _delegate_with_meetings(mission, venue, 12, first_table=2)
    factories.publish(mission)
    db.session.commit()
    counts = []
    for person in (light, busy):
        client.get(f"/p/{person.access_token}")  # warm up
        with counting_statements() as statements:
            assert client.get(f"/p/{person.access_token}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
