"""The outbox page and its "retry failed" button, and `flask mission publish`, against a real
SMTP server on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.jobs import send_pending_messages
from mission_app.models import OutboundMessage, Publication
from mission_app.models.types import utcnow
from mission_app.services import notifications
from tests import factories
from tests.conftest import page_text
from tests.integration.test_notifications import DAY, _publish, _scenario
from tests.integration.test_query_counts import counting_statements
from tests.smtp import smtp_server_fixture  # noqa: F401


def _cli(app, *args):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["mission", "publish", *map(str, args)])


def test_outbox_lists_sent_failed_and_people_without_address_in_french(
    logged_in, mission, smtp_server
):
    people, first, second = _scenario(mission)
    _publish(mission)
    smtp_server.handler.always_refuse = {"john@bdk.example"}
    send_pending_messages(mission.id)

    response = logged_in.get(f"/missions/{mission.id}/outbox")

    assert response.status_code == 200
    text = page_text(response)
    assert "<h1>Envois</h1>" in text
    counts = re.findall(r'<li class="outbox-count state-(\w+)"><strong>(\d+)</strong>', text)
    assert counts == [("sent", "2"), ("waiting", "1"), ("failed", "0"), ("no_address", "1")]
    assert "Version 1" in text
    assert "Fatou Sall" in text and "Non envoyé : pas d'adresse e-mail." in text
    assert f"/missions/{mission.id}/people/{people['fatou'].id}/agenda.pdf" in text
    assert "SMTP 451: 4.3.0 Mailbox busy, try again later" in text
    assert "العربية" in text and "English" in text
    assert f'href="/missions/{mission.id}/outbox" class="current"' in text


def test_retry_failed_sends_the_failed_message_again_from_the_page(logged_in, mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550
    send_pending_messages(mission.id)
    assert "Renvoyer 1 message en échec" in page_text(
        logged_in.get(f"/missions/{mission.id}/outbox")
    )

    response = logged_in.post_form(
        f"/missions/{mission.id}/outbox/retry", token_from=f"/missions/{mission.id}/outbox"
    )

    assert response.status_code == 302
    text = page_text(logged_in.get(f"/missions/{mission.id}/outbox"))
    assert "1 message va être renvoyé." in text
    assert sorted(smtp_server.by_recipient()) == [
        "amina@atlas.example",
        "john@bdk.example",
        "omar@sahara.example",
    ]
    statuses = db.session.scalars(
        select(OutboundMessage.status).where(OutboundMessage.recipient != "")
    ).all()
    assert statuses == ["sent", "sent", "sent"]


def test_retry_without_csrf_token_changes_nothing(logged_in, mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    smtp_server.handler.refuse_next, smtp_server.handler.refuse_code = 1, 550
    send_pending_messages(mission.id)

    response = logged_in.post(f"/missions/{mission.id}/outbox/retry")

    assert response.status_code == 400
    assert len(smtp_server.received) == 2


def test_viewer_sees_the_outbox_but_cannot_retry(client, mission, viewer, smtp_server):
    _scenario(mission)
    _publish(mission)
    client.login(viewer.email)

    page = client.get(f"/missions/{mission.id}/outbox")
    response = client.post_form(
        f"/missions/{mission.id}/outbox/retry", token_from=f"/missions/{mission.id}/outbox"
    )

    assert page.status_code == 200
    assert "/outbox/retry" not in page_text(page)
    assert response.status_code == 403


def test_organiser_of_another_mission_gets_404(other_client, mission, smtp_server):
    _scenario(mission)
    _publish(mission)
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, role="organiser")
    db.session.commit()
    other_client.login(stranger.email)

    assert other_client.get(f"/missions/{mission.id}/outbox").status_code == 404
    response = other_client.post_form(
        f"/missions/{mission.id}/outbox/retry", token_from="/missions/"
    )
    assert response.status_code == 404


def test_outbox_before_any_publication_says_so(logged_in, mission):
    text = page_text(logged_in.get(f"/missions/{mission.id}/outbox"))

    assert "Aucun e-mail pour l'instant." in text


def test_cli_publish_sends_the_new_version_then_nothing_when_unchanged(app, mission, smtp_server):
    people, first, second = _scenario(mission)

    published = _cli(app, mission.id)
    again = _cli(app, mission.id)
    first.start_at, first.end_at = DAY + timedelta(hours=2), DAY + timedelta(hours=2, minutes=30)
    first.sequence += 1
    moved = _cli(app, mission.id)

    assert published.exit_code == 0, published.output
    assert published.output == (
        f"mission {mission.id}: published version 1 (2 changed meetings); e-mails: 3 sent, "
        "0 failed, 0 waiting, 1 people without an e-mail address\n"
    )
    assert (
        again.output == f"mission {mission.id}: nothing changed since version 1; no e-mail sent\n"
    )
    assert moved.output == (
        f"mission {mission.id}: published version 2 (1 changed meetings); e-mails: 2 sent, "
        "0 failed, 0 waiting, 0 people without an e-mail address\n"
    )
    assert db.session.scalars(select(Publication.number).order_by(Publication.number)).all() == [
        1,
        2,
    ]
    recipients = [r.rcpt_tos[0] for r in smtp_server.received]
    assert sorted(recipients[3:]) == ["amina@atlas.example", "john@bdk.example"]
    assert len(recipients) == 5


def test_cli_publish_with_the_server_down_reports_waiting_messages(app, mission, smtp_server):
    _scenario(mission)
    smtp_server.stop()

    result = _cli(app, mission.id)

    assert result.exit_code == 0, result.output
    assert result.stdout == (
        f"mission {mission.id}: published version 1 (2 changed meetings); e-mails: 0 sent, "
        "0 failed, 3 waiting, 1 people without an e-mail address\n"
    )
    # standard error says why, so that a wrong MAIL_SERVER or MAIL_PORT shows at once
    assert result.stderr.startswith(
        f"3 e-mails of mission {mission.id} still waiting; the huey consumer tries again later. "
        f"Last error: SMTP server 127.0.0.1:{smtp_server.port}: "
    )
    assert "Connection refused" in result.stderr


def test_cli_publish_of_unknown_mission_fails(app_ctx):
    result = app_ctx.test_cli_runner().invoke(args=["mission", "publish", "999"])

    assert result.exit_code == 1
    assert "no mission 999" in result.output


def _bulk_outbox(mission, publications: int, people: int) -> None:
    """`publications` versions, each with a message to each of `people` people, in every state."""
    organisation = factories.OrganisationFactory(mission=mission)
    persons = [factories.PersonFactory(organisation=organisation) for _ in range(people)]
    states = [("sent", "x@example.org"), ("pending", "y@example.org"), ("failed", "")]
    for number in range(1, publications + 1):
        publication = Publication(mission_id=mission.id, number=number)
        db.session.add(publication)
        db.session.flush()
        db.session.add_all(
            OutboundMessage(
                mission_id=mission.id,
                publication_id=publication.id,
                person_id=person.id,
                recipient=states[k % 3][1],
                language="fr",
                subject="s",
                message_id=f"<{number}.{k}.{mission.id}@example.org>",
                status=states[k % 3][0],
                attempts=1,
                last_error="",
            )
            for k, person in enumerate(persons)
        )
    factories.LegFactory(mission=mission)
    db.session.flush()


def test_outbox_page_runs_as_many_queries_for_many_messages_as_for_few(client):
    small, large = factories.MissionFactory(), factories.MissionFactory()
    _bulk_outbox(small, publications=1, people=1)
    _bulk_outbox(large, publications=4, people=60)
    user = factories.UserFactory()
    for mission in (small, large):
        factories.MembershipFactory(user=user, mission=mission, role="organiser")
    db.session.commit()
    client.login(user.email)
    counts = []
    for mission in (small, large):
        client.get(f"/missions/{mission.id}/outbox")  # warm up
        with counting_statements() as statements:
            response = client.get(f"/missions/{mission.id}/outbox")
        assert response.status_code == 200
        counts.append(len(statements))

    assert counts[0] == counts[1]
    assert "Version 4" in page_text(response)


def test_outbox_explains_a_message_sent_again_after_an_interruption(logged_in, mission):
    _scenario(mission)
    _, queued = _publish(mission)
    notifications.claim_message(queued[0].id, utcnow() - timedelta(hours=1))
    notifications.release_stale_messages(mission.id, utcnow())

    text = page_text(logged_in.get(f"/missions/{mission.id}/outbox"))

    assert "La tentative précédente a été interrompue : le message part de nouveau" in text
