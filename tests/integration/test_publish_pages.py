"""The organisers' publish page: the changes waiting and who they concern, the publish button,
and every version with its changelog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import OutboundMessage, Publication
from tests import factories
from tests.conftest import page_text
from tests.factories import MEETING_DAY
from tests.integration.test_portal_pages import visible
from tests.integration.test_query_counts import counting_statements, missions  # noqa: F401

HALF_HOUR = timedelta(minutes=30)


@pytest.fixture
def planned(mission):
    """Atlas (Salma) meets Sonatel (Aminata) and Orange (Khady), nothing published yet."""
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=4)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Cyber")
    salma = factories.PersonFactory(organisation=atlas, name="Salma Benali")
    meetings = []
    for n, (host_name, person) in enumerate(
        [("Sonatel", "Aminata Diop"), ("Orange", "Khady Ndiaye")]
    ):
        host = factories.OrganisationFactory(mission=mission, name=host_name, host=True)
        factories.PersonFactory(organisation=host, name=person, email="")
        request = factories.MeetingRequestFactory(mission=mission, delegation=atlas, host=host)
        meetings.append(
            factories.MeetingFactory(
                request=request,
                venue=venue,
                table_number=n + 1,
                start_at=MEETING_DAY + n * HALF_HOUR,
                end_at=MEETING_DAY + (n + 1) * HALF_HOUR,
            )
        )
    db.session.commit()
    return salma, meetings


def _publish(client, mission, note=""):
    url = f"/missions/{mission.id}/publish"
    return client.post_form(url, {"note": note})


def test_page_shows_what_would_be_published_and_for_whom(logged_in, mission, planned):
    response = logged_in.get(f"/missions/{mission.id}/publish")
    assert response.status_code == 200
    text = visible(response)
    assert "Rien n’a encore été publié : les participants ne voient aucun rendez-vous." in text
    assert "2 rendez-vous à publier · 3 personnes concernées" in text
    assert (
        "Ajouté 2 rendez-vous Rendez-vous Avant Après Personnes concernées "
        "Atlas Cyber rencontre Sonatel — mar. 12 mai 2026, 09:00–09:30 "
        "Table 1 · Hôtel Terrou-Bi · Dakar Aminata Diop , Salma Benali "
        "Atlas Cyber rencontre Orange — mar. 12 mai 2026, 09:30–10:00 "
        "Table 2 · Hôtel Terrou-Bi · Dakar Khady Ndiaye , Salma Benali"
    ) in text
    assert "Publier la version 1" in text
    assert 'class="current" aria-current="page">Publier<' in page_text(response)


def test_publishing_writes_the_version_queues_the_emails_and_lists_the_changelog(
    logged_in, mission, planned, organiser
):
    salma, meetings = planned
    response = _publish(logged_in, mission, note="Première version")
    assert response.status_code == 302
    assert response.location == f"/missions/{mission.id}/publish"
    publication = db.session.scalar(select(Publication))
    assert (publication.number, publication.published_by_id, publication.note) == (
        1,
        organiser.id,
        "Première version",
    )
    messages = db.session.scalars(select(OutboundMessage)).all()
    # Salma has an address; Aminata and Khady have none and are listed for printing.
    assert sorted((m.recipient, m.status) for m in messages) == [
        ("", "failed"),
        ("", "failed"),
        (salma.email, "pending"),  # no SMTP server here: the job tries again later
    ]
    page = logged_in.get(response.location)
    text = visible(page)
    assert "Version 1 publiée. 1 e-mail à envoyer." in text
    assert "Rien à publier : les participants ont déjà le planning actuel." in text
    assert "Version 1 · publiée le" in text
    assert "· 3 personnes concernées Première version 2 rendez-vous modifiés" in text


def test_moved_and_cancelled_meetings_in_the_next_version(logged_in, mission, planned):
    salma, (sonatel, orange) = planned
    factories.publish(mission)
    sonatel.start_at, sonatel.end_at = MEETING_DAY + 4 * HALF_HOUR, MEETING_DAY + 5 * HALF_HOUR
    orange.status = "cancelled"
    db.session.commit()
    text = visible(logged_in.get(f"/missions/{mission.id}/publish"))
    assert "Les participants ont la version 1, publiée le" in text
    assert (
        "Déplacé 1 rendez-vous Rendez-vous Avant Après Personnes concernées "
        "Atlas Cyber rencontre Sonatel mar. 12 mai 2026, 09:00–09:30 Table 1 · Hôtel Terrou-Bi · "
        "Dakar mar. 12 mai 2026, 11:00–11:30 Table 1 · Hôtel Terrou-Bi · Dakar "
        "Aminata Diop , Salma Benali "
        "Annulé 1 rendez-vous Rendez-vous Avant Après Personnes concernées "
        "Atlas Cyber rencontre Orange mar. 12 mai 2026, 09:30–10:00 Table 2 · Hôtel Terrou-Bi · "
        "Dakar Annulé Khady Ndiaye , Salma Benali"
    ) in text
    assert _publish(logged_in, mission).status_code == 302
    text = visible(logged_in.get(f"/missions/{mission.id}/publish"))
    assert text.index("Version 2 ·") < text.index("Version 1 ·")  # newest first


def test_publishing_again_with_nothing_changed_publishes_nothing(logged_in, mission, planned):
    factories.publish(mission)
    db.session.commit()
    response = _publish(logged_in, mission)
    assert response.status_code == 302
    text = visible(logged_in.get(response.location))
    assert "Rien n’a changé depuis la dernière version : rien n’a été publié." in text
    assert db.session.scalar(select(func.count(Publication.id))) == 1
    assert db.session.scalar(select(func.count(OutboundMessage.id))) == 0


def test_viewer_sees_the_page_but_cannot_publish(client, mission, planned, viewer):
    client.login(viewer.email)
    page = visible(client.get(f"/missions/{mission.id}/publish"))
    assert "2 rendez-vous à publier" in page
    assert "Publier la version 1" not in page
    response = client.post_form(
        f"/missions/{mission.id}/publish", {"note": ""}, token_from=f"/missions/{mission.id}/grid"
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Publication.id))) == 0


def test_publish_without_csrf_token_is_refused(logged_in, mission, planned):
    assert logged_in.post(f"/missions/{mission.id}/publish", data={"note": ""}).status_code == 400
    assert db.session.scalar(select(func.count(Publication.id))) == 0


def test_note_too_long_is_refused_with_the_reason(logged_in, mission, planned):
    response = _publish(logged_in, mission, note="x" * 501)
    assert response.status_code == 400
    assert "Le champ ne peut pas contenir plus de 500 caractères." in visible(response)
    assert db.session.scalar(select(func.count(Publication.id))) == 0


def test_organiser_of_another_mission_gets_404(client, mission, planned):
    stranger = factories.UserFactory()
    own = factories.MembershipFactory(user=stranger, role="organiser").mission
    db.session.commit()
    client.login(stranger.email)
    assert client.get(f"/missions/{mission.id}/publish").status_code == 404
    token_page = f"/missions/{own.id}/publish"
    response = client.post_form(f"/missions/{mission.id}/publish", {}, token_from=token_page)
    assert response.status_code == 404


def test_publish_page_runs_as_many_queries_for_300_organisations_as_for_2(
    client,
    missions,  # noqa: F811
):
    user, tiny, big = missions
    client.login(user.email)
    counts = []
    for mission in (tiny, big):
        factories.publish(mission)
        for meeting in mission.meetings:
            meeting.status = "cancelled"
        db.session.commit()
        url = f"/missions/{mission.id}/publish"
        client.get(url)
        with counting_statements() as statements:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]
    text = visible(response)
    assert "Annulé 200 rendez-vous" in text
    assert "Version 1 · publiée le" in text and "200 rendez-vous modifiés" in text
