"""Computing a schedule from the organiser UI: start, follow, stop, review, apply."""

import json
import re
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.jobs import execute_schedule_run
from mission_app.models import Availability, Meeting, MeetingWindow, ScheduleRun
from mission_app.services import schedule_runs
from tests import factories
from tests.conftest import page_text
from tests.factories import MEETING_DAY


def _requests_to_schedule(mission, firms: int = 3, hosts: int = 2):
    leg = factories.LegFactory(mission=mission, country="SN")
    venue = factories.VenueFactory(leg=leg, tables=2)
    factories.MeetingWindowFactory(
        venue=venue, start_at=MEETING_DAY, end_at=MEETING_DAY + timedelta(hours=2)
    )
    host_orgs = [factories.OrganisationFactory(mission=mission, host=True) for _ in range(hosts)]
    for host in host_orgs:
        factories.PersonFactory(organisation=host)
    for _ in range(firms):
        firm = factories.OrganisationFactory(mission=mission)
        factories.PersonFactory(organisation=firm)
        for host in host_orgs:
            factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
    db.session.commit()
    return venue


def _scheduled_count() -> int:
    return db.session.scalar(select(func.count(Meeting.id)).where(Meeting.status == "scheduled"))


def test_start_review_and_apply_a_schedule(logged_in, mission):
    _requests_to_schedule(mission)
    response = logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs",
        {"time_limit": "10"},
        token_from=f"/missions/{mission.id}/schedule",
    )
    run = db.session.scalar(select(ScheduleRun))
    assert response.headers["Location"] == f"/missions/{mission.id}/schedule/runs/{run.id}"
    assert run.status == "done"  # the job ran at once: tests use huey's immediate mode
    assert (run.figures["weight"], run.figures["weight_bound"]) == (6, 6)
    assert len(run.assignments) == 6
    assert _scheduled_count() == 0  # nothing changes before the organiser applies

    page = page_text(logged_in.get(response.headers["Location"]))
    assert "Ce qui changerait" in page
    assert "6 nouveaux rendez-vous · 0 déplacé · 0 annulé · 0 inchangé" in " ".join(page.split())
    assert re.search(r"<dd>\d+,\d s / 10 s</dd>", page)  # computing time, with a decimal comma

    applied = logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs/{run.id}/apply",
        token_from=response.headers["Location"],
        follow_redirects=True,
    )
    saved = "Planning enregistré : 6 nouveaux rendez-vous, 0 déplacé, 0 annulé."
    assert saved in page_text(applied)
    assert _scheduled_count() == 6
    assert run.status == "applied"


def test_review_says_when_a_left_out_request_could_have_been_held(logged_in, mission):
    """Awa Gueye is free 09:00-10:00 only: two meetings fill it and the third request, the
    least important, is left out. The reason gives her hour in Dakar time."""
    leg = factories.LegFactory(mission=mission, country="SN", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, tables=2)
    factories.MeetingWindowFactory(
        venue=venue, start_at=MEETING_DAY, end_at=MEETING_DAY + timedelta(hours=2)
    )
    host = factories.OrganisationFactory(mission=mission, host=True, leg=leg)
    awa = factories.PersonFactory(organisation=host, name="Awa Gueye")
    awa.availabilities.append(
        Availability(start_at=MEETING_DAY, end_at=MEETING_DAY + timedelta(hours=1))
    )
    for priority in (1, 1, 3):
        firm = factories.OrganisationFactory(mission=mission)
        factories.PersonFactory(organisation=firm)
        factories.MeetingRequestFactory(
            mission=mission, delegation=firm, host=host, priority=priority
        )
    db.session.commit()
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)

    page = " ".join(
        page_text(logged_in.get(f"/missions/{mission.id}/schedule/runs/{run.id}")).split()
    )
    assert "Demandes qui n'ont pas pu être placées (1)" in page
    assert (
        "Possible seulement mar. 12 mai 09:00–10:00 : à ces moments, Awa Gueye avait déjà "
        "d'autres rendez-vous ou toutes les tables étaient prises ; d'autres demandes passaient "
        "avant."
    ) in page


def test_search_time_choices_agree_in_number_in_french(logged_in, mission):
    html = logged_in.get(f"/missions/{mission.id}/schedule").get_data(as_text=True)
    select_html = re.search(r'<select[^>]*name="time_limit".*?</select>', html, re.S).group(0)
    labels = re.findall(r"<option[^>]*>([^<]+)</option>", select_html)
    assert labels == ["10 secondes", "30 secondes", "1 minute", "2 minutes", "5 minutes"]


def test_run_page_partial_for_htmx_polling_has_no_page_around_it(logged_in, mission):
    _requests_to_schedule(mission)
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    response = logged_in.get(
        f"/missions/{mission.id}/schedule/runs/{run.id}", headers={"HX-Request": "true"}
    )
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="run-status"')
    assert 'hx-trigger="every 1s"' in html  # queued: keeps polling
    assert "<html" not in html


def test_only_one_computation_at_a_time(logged_in, mission):
    _requests_to_schedule(mission)
    schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    response = logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs",
        {"time_limit": "10"},
        token_from=f"/missions/{mission.id}/schedule",
        follow_redirects=True,
    )
    assert "Un planning est déjà en cours de calcul pour cette mission." in page_text(response)
    assert db.session.scalar(select(func.count(ScheduleRun.id))) == 1


def test_stop_keeps_the_best_schedule_found(app_ctx, mission):
    _requests_to_schedule(mission)
    run = schedule_runs.start_run(None, mission, time_limit=60, fresh=False)
    schedule_runs.request_stop(None, run)
    db.session.commit()
    execute_schedule_run(run.id)
    db.session.refresh(run)
    assert run.status == "stopped"
    assert len(run.assignments) == 6  # first-fit already places everything here


def test_applying_after_the_windows_changed_is_refused(logged_in, mission):
    _requests_to_schedule(mission)
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)
    window = db.session.scalar(select(MeetingWindow))
    window.start_at += timedelta(minutes=15)
    window.end_at += timedelta(minutes=15)
    response = logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs/{run.id}/apply",
        token_from=f"/missions/{mission.id}/schedule/runs/{run.id}",
        follow_redirects=True,
    )
    assert "Les plages de rendez-vous ont changé depuis ce calcul" in page_text(response)
    assert _scheduled_count() == 0


def test_set_aside_leaves_the_schedule_unchanged(logged_in, mission):
    _requests_to_schedule(mission)
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)
    logged_in.post_form(
        f"/missions/{mission.id}/schedule/runs/{run.id}/discard",
        token_from=f"/missions/{mission.id}/schedule/runs/{run.id}",
    )
    assert run.status == "discarded"
    assert _scheduled_count() == 0


def test_viewer_follows_runs_but_cannot_start_or_apply(client, viewer, mission):
    _requests_to_schedule(mission)
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)
    client.login(viewer.email)
    page = page_text(client.get(f"/missions/{mission.id}/schedule/runs/{run.id}"))
    assert "Appliquer ce planning" not in page
    token = client.csrf_token(f"/missions/{mission.id}/schedule")
    for action in ("runs", f"runs/{run.id}/apply", f"runs/{run.id}/stop"):
        response = client.post(
            f"/missions/{mission.id}/schedule/{action}",
            data={"csrf_token": token, "time_limit": "10"},
        )
        assert response.status_code == 403
    assert _scheduled_count() == 0


def test_run_of_another_mission_is_404(logged_in, mission):
    other = factories.MissionFactory()
    run = schedule_runs.start_run(None, other, time_limit=10, fresh=False)
    db.session.commit()
    assert logged_in.get(f"/missions/{mission.id}/schedule/runs/{run.id}").status_code == 404
    assert logged_in.get(f"/missions/{other.id}/schedule/runs/{run.id}").status_code == 404


def test_cli_schedule_saves_and_prints_figures_and_a_rerun_moves_nothing(app_ctx, mission):
    _requests_to_schedule(mission)
    runner = app_ctx.test_cli_runner()
    first = runner.invoke(args=["mission", "schedule", str(mission.id), "--time-limit", "10"])
    assert first.exit_code == 0, first.output
    figures = json.loads(first.output.strip().splitlines()[-1])
    assert (figures["scheduled"], figures["weight"], figures["weight_bound"]) == (6, 6, 6)
    assert (figures["new"], figures["moved"], figures["cancelled"]) == (6, 0, 0)
    assert _scheduled_count() == 6
    again = runner.invoke(args=["mission", "schedule", str(mission.id), "--time-limit", "10"])
    figures = json.loads(again.output.strip().splitlines()[-1])
    assert (figures["new"], figures["moved"], figures["cancelled"]) == (0, 0, 0)


def test_cli_schedule_of_an_unknown_mission_fails_clearly(app_ctx):
    result = app_ctx.test_cli_runner().invoke(args=["mission", "schedule", "999"])
    assert result.exit_code == 1
    assert "no mission 999" in result.output


def test_requests_left_out_are_explained_in_french(logged_in, mission):
    from mission_app.models import Availability, Person

    _requests_to_schedule(mission, firms=1, hosts=1)
    host_person = db.session.scalar(
        select(Person).join(Person.organisation).where(Person.organisation.has(side="host"))
    )
    evening = MEETING_DAY + timedelta(hours=10)
    db.session.add(
        Availability(person=host_person, start_at=evening, end_at=evening + timedelta(hours=1))
    )
    db.session.commit()
    run = schedule_runs.start_run(None, mission, time_limit=10, fresh=False)
    db.session.commit()
    execute_schedule_run(run.id)
    page = page_text(logged_in.get(f"/missions/{mission.id}/schedule/runs/{run.id}"))
    assert "Demandes qui n'ont pas pu être placées (1)" in page
    assert "(1 demandé)" in page  # the one request, of weight 1, agrees in number
    assert (
        f"{host_person.name} : jamais disponible pendant les plages de rendez-vous de cette étape."
        in page
    )


def test_left_out_reasons_agree_in_number_in_french(app_ctx):
    names = {1: "Awa Gueye", 2: "Karim Benali"}
    hour = [[MEETING_DAY.isoformat(), (MEETING_DAY + timedelta(hours=1)).isoformat()]]

    def reason(people: list[int], only_at: list) -> str:
        item = {"request": 1, "code": "full", "people": people, "only_at": only_at}
        with force_locale("fr"):
            return schedule_runs.unscheduled_reason(item, names, "Africa/Dakar")

    assert reason([1], []).startswith(
        "Aux moments où tous pouvaient se rencontrer, Awa Gueye avait déjà"
    )
    assert reason([1, 2], []).startswith(
        "Aux moments où tous pouvaient se rencontrer, Awa Gueye, Karim Benali avaient déjà"
    )
    assert reason([], []).startswith(
        "Aux moments où tous pouvaient se rencontrer, les participants avaient déjà"
    )
    assert reason([1, 2], hour).startswith(
        "Possible seulement mar. 12 mai 09:00–10:00 : à ces moments, Awa Gueye, Karim Benali "
        "avaient déjà"
    )
