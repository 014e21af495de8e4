"""Missions, legs, venues and meeting windows, through the organiser pages."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Leg, MeetingWindow, Membership, Mission, Venue
from tests import factories
from tests.conftest import page_text


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_missions_list_shows_only_my_missions(logged_in, mission):
    other = factories.MissionFactory(title="Mission d'un autre")
    page = logged_in.get("/missions/").get_data(as_text=True)
    assert mission.title in page
    assert other.title not in page


def test_missions_list_needs_login(client):
    response = client.get("/missions/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_create_mission_makes_me_its_owner(logged_in, organiser):
    response = logged_in.post_form(
        "/missions/new",
        {"title": "Mission TIC Sénégal – Mauritanie", "organiser": "Agence", "locale": "fr"},
    )
    mission = db.session.scalar(
        select(Mission).where(Mission.title == "Mission TIC Sénégal – Mauritanie")
    )
    assert response.headers["Location"] == f"/missions/{mission.id}"
    role = db.session.scalar(
        select(Membership.role).where(
            Membership.mission_id == mission.id, Membership.user_id == organiser.id
        )
    )
    assert role == "owner"


def test_create_mission_without_title_shows_the_error_and_writes_nothing(logged_in, mission):
    response = logged_in.post_form("/missions/new", {"title": "", "locale": "fr"})
    assert response.status_code == 200
    assert "Ce champ est requis." in page_text(response)
    assert _count(Mission) == 1


def test_edit_mission_saves_changes(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/edit",
        {"title": "Nouveau titre", "organiser": "ASMEX", "locale": "en", "description": "Été"},
    )
    assert response.status_code == 302
    assert (mission.title, mission.organiser, mission.locale, mission.description) == (
        "Nouveau titre",
        "ASMEX",
        "en",
        "Été",
    )


def test_viewer_sees_the_mission_read_only_and_cannot_edit(client, viewer, mission):
    client.login(viewer.email)
    page = client.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Lecture seule" in page
    assert "Ajouter une étape" not in page
    assert client.get(f"/missions/{mission.id}/edit").status_code == 403
    response = client.post_form(
        f"/missions/{mission.id}/edit",
        {"title": "Piraté", "locale": "fr"},
        token_from=f"/missions/{mission.id}",
    )
    assert response.status_code == 403
    assert mission.title != "Piraté"


def test_organiser_of_another_mission_gets_404(logged_in, mission):
    other = factories.MissionFactory()
    leg = factories.LegFactory(mission=other)
    assert logged_in.get(f"/missions/{other.id}").status_code == 404
    assert logged_in.get(f"/missions/{other.id}/edit").status_code == 404
    assert logged_in.get(f"/missions/{other.id}/legs/{leg.id}/edit").status_code == 404


def test_leg_of_another_mission_is_404_through_my_mission(logged_in, mission):
    foreign_leg = factories.LegFactory()
    response = logged_in.get(f"/missions/{mission.id}/legs/{foreign_leg.id}/edit")
    assert response.status_code == 404


def test_add_leg_with_its_zone_and_slot_length(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/new",
        {
            "city": "Nouakchott",
            "country": "mr",
            "timezone": "Africa/Nouakchott",
            "slot_minutes": "40",
        },
    )
    assert response.status_code == 302
    leg = db.session.scalar(select(Leg))
    assert (leg.key, leg.city, leg.country, leg.timezone, leg.slot_minutes) == (
        "nouakchott",
        "Nouakchott",
        "MR",
        "Africa/Nouakchott",
        40,
    )


def test_add_leg_with_unknown_zone_names_the_zone(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/new",
        {"city": "Dakar", "country": "SN", "timezone": "Africa/Dakkar", "slot_minutes": "30"},
    )
    assert response.status_code == 200
    assert "« Africa/Dakkar » n'est pas un fuseau horaire connu" in page_text(response)
    assert _count(Leg) == 0


def test_add_leg_with_bad_country_and_slot_shows_both_errors(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/new",
        {"city": "Dakar", "country": "SEN", "timezone": "Africa/Dakar", "slot_minutes": "2"},
    )
    page = page_text(response)
    assert "Utilisez le code pays à deux lettres" in page
    assert "Le nombre doit être entre 5 et 240" in page or "entre 5 et 240" in page
    assert _count(Leg) == 0


def test_edit_leg_changes_its_zone(logged_in, mission):
    leg = factories.LegFactory(mission=mission)
    logged_in.post_form(
        f"/missions/{mission.id}/legs/{leg.id}/edit",
        {"city": "Dakar", "country": "SN", "timezone": "Africa/Abidjan", "slot_minutes": "30"},
    )
    assert leg.timezone == "Africa/Abidjan"


def test_delete_leg_asks_first_then_deletes(logged_in, mission):
    leg = factories.LegFactory(mission=mission, city="Dakar")
    confirm = logged_in.get(f"/missions/{mission.id}/legs/{leg.id}/delete")
    assert "Supprimer l'étape Dakar ?" in page_text(confirm)
    assert _count(Leg) == 1
    logged_in.post_form(f"/missions/{mission.id}/legs/{leg.id}/delete")
    assert _count(Leg) == 0


def test_delete_leg_with_meetings_is_refused_with_the_reason(logged_in, mission):
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    request = factories.MeetingRequestFactory(mission=mission)
    factories.MeetingFactory(request=request, venue=venue)
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/{venue.leg_id}/delete", follow_redirects=True
    )
    assert "Cette étape a déjà des rendez-vous" in page_text(response)
    assert _count(Leg) == 1


def test_add_venue_to_a_leg(logged_in, mission):
    leg = factories.LegFactory(mission=mission, key="dakar")
    logged_in.post_form(
        f"/missions/{mission.id}/legs/{leg.id}/venues/new",
        {"name": "Hôtel Terrou-Bi", "address": "Corniche Ouest, Dakar", "tables": "12"},
    )
    venue = db.session.scalar(select(Venue))
    assert (venue.key, venue.name, venue.tables, venue.leg_id) == (
        "dakar-hotel-terrou-bi",
        "Hôtel Terrou-Bi",
        12,
        leg.id,
    )


def test_reducing_tables_below_a_used_table_is_refused(logged_in, mission):
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission), tables=6)
    factories.MeetingFactory(
        request=factories.MeetingRequestFactory(mission=mission), venue=venue, table_number=5
    )
    response = logged_in.post_form(
        f"/missions/{mission.id}/venues/{venue.id}/edit",
        {"name": venue.name, "address": "", "tables": "3"},
    )
    assert "La table 5 a des rendez-vous : gardez au moins 5 tables." in page_text(response)
    assert venue.tables == 6


def test_add_window_reads_wall_clock_time_in_the_leg_zone(logged_in, mission):
    leg = factories.LegFactory(mission=mission, timezone="Africa/Casablanca")
    venue = factories.VenueFactory(leg=leg)
    # Morocco is on UTC+1 in May 2026 outside Ramadan; 09:00 local is 08:00 UTC.
    logged_in.post_form(
        f"/missions/{mission.id}/legs/{leg.id}/windows/new",
        {"venue_id": str(venue.id), "start": "2026-05-12T09:00", "end": "2026-05-12T12:30"},
    )
    window = db.session.scalar(select(MeetingWindow))
    assert window.start_at == datetime(2026, 5, 12, 8, 0, tzinfo=UTC)
    assert window.end_at == datetime(2026, 5, 12, 11, 30, tzinfo=UTC)
    page = logged_in.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "09:00–12:30" in page


def test_add_window_ending_before_it_starts_is_refused(logged_in, mission):
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/{venue.leg_id}/windows/new",
        {"venue_id": str(venue.id), "start": "2026-05-12T12:00", "end": "2026-05-12T09:00"},
    )
    assert "La fin doit venir après le début." in page_text(response)
    assert _count(MeetingWindow) == 0


def test_add_window_overlapping_another_at_the_venue_is_refused(logged_in, mission):
    venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    factories.MeetingWindowFactory(venue=venue)  # 09:00–12:00 UTC, Dakar is UTC
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/{venue.leg_id}/windows/new",
        {"venue_id": str(venue.id), "start": "2026-05-12T11:00", "end": "2026-05-12T13:00"},
    )
    assert "Ce lieu a déjà une plage à cette heure-là." in page_text(response)
    assert _count(MeetingWindow) == 1


def test_add_window_at_a_venue_of_another_leg_is_refused(logged_in, mission):
    leg = factories.LegFactory(mission=mission)
    factories.VenueFactory(leg=leg)
    other_venue = factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/{leg.id}/windows/new",
        {"venue_id": str(other_venue.id), "start": "2026-05-12T09:00", "end": "2026-05-12T10:00"},
    )
    assert response.status_code == 200
    assert _count(MeetingWindow) == 0


def test_edit_and_delete_window(logged_in, mission):
    window = factories.MeetingWindowFactory(
        venue=factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    )
    form = logged_in.get(
        f"/missions/{mission.id}/legs/{window.leg_id}/windows/{window.id}/edit"
    ).get_data(as_text=True)
    assert 'value="2026-05-12T09:00"' in form
    logged_in.post_form(
        f"/missions/{mission.id}/legs/{window.leg_id}/windows/{window.id}/edit",
        {"venue_id": str(window.venue_id), "start": "2026-05-13T14:00", "end": "2026-05-13T18:00"},
    )
    assert window.start_at == datetime(2026, 5, 13, 14, 0, tzinfo=UTC)
    logged_in.post_form(f"/missions/{mission.id}/windows/{window.id}/delete")
    assert _count(MeetingWindow) == 0


def test_form_post_without_csrf_token_is_refused(logged_in, mission):
    response = logged_in.post(
        f"/missions/{mission.id}/edit", data={"title": "Sans jeton", "locale": "fr"}
    )
    assert response.status_code == 400
    assert mission.title != "Sans jeton"


def test_mission_page_in_english(logged_in, mission):
    token = logged_in.csrf_token("/missions/")
    logged_in.post("/language", data={"csrf_token": token, "lang": "en", "next": "/missions/"})
    page = logged_in.get(f"/missions/{mission.id}").get_data(as_text=True)
    assert "Add a leg" in page
    assert "Ajouter une étape" not in page


def test_window_edited_under_another_legs_url_is_404(logged_in, mission):
    window = factories.MeetingWindowFactory(
        venue=factories.VenueFactory(leg=factories.LegFactory(mission=mission))
    )
    other_leg = factories.LegFactory(mission=mission, city="Nouakchott")
    url = f"/missions/{mission.id}/legs/{other_leg.id}/windows/{window.id}/edit"
    assert logged_in.get(url).status_code == 404
    response = logged_in.post_form(
        url,
        {"venue_id": str(window.venue_id), "start": "2026-05-13T14:00", "end": "2026-05-13T18:00"},
        token_from=f"/missions/{mission.id}",
    )
    assert response.status_code == 404
    assert window.leg_id != other_leg.id


def test_zero_tables_gets_the_range_message_not_required(logged_in, mission):
    leg = factories.LegFactory(mission=mission)
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/{leg.id}/venues/new", {"name": "Hôtel", "tables": "0"}
    )
    page = page_text(response)
    assert "Ce champ est requis." not in page
    assert "1 et 500" in page


def test_leg_form_reports_a_bad_zone_with_the_other_errors(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/legs/new",
        {"city": "Dakar", "country": "SEN", "timezone": "Africa/Dakkar", "slot_minutes": "30"},
    )
    page = page_text(response)
    assert "Utilisez le code pays à deux lettres" in page
    assert "« Africa/Dakkar » n'est pas un fuseau horaire connu" in page
