"""The demo mission: what `flask mission demo` builds, and the demo organiser who owns it."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Activity, Membership, Mission, User
from mission_app.services.demo import DEMO_EMAIL, DEMO_PASSWORD, build_demo_document
from mission_app.services.mission_files import build_mission_document


def run_demo(app, *args: str):
    return app.test_cli_runner().invoke(args=["mission", "demo", *args])


def test_demo_command_builds_the_mission_and_its_organiser(app_ctx):
    result = run_demo(app_ctx)
    assert result.exit_code == 0, result.output
    mission = db.session.get(Mission, int(result.stdout.splitlines()[-1]))
    assert mission.title == "Mission TIC Sénégal – Mauritanie"
    owner = db.session.scalar(select(User).where(User.email == DEMO_EMAIL))
    membership = db.session.scalar(select(Membership).where(Membership.mission_id == mission.id))
    assert (membership.user_id, membership.role) == (owner.id, "owner")
    assert owner.is_admin is False


def test_demo_organiser_logs_in_with_the_documented_password_and_sees_the_mission(client):
    mission_id = int(run_demo(client.application).stdout.splitlines()[-1])
    response = client.post_form("/login", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get("/missions/").get_data(as_text=True)
    assert f'href="/missions/{mission_id}"' in page
    assert client.get(f"/missions/{mission_id}/files/mission.json").status_code == 200


def test_demo_if_empty_does_nothing_once_a_mission_exists(app_ctx):
    first = run_demo(app_ctx, "--if-empty")
    assert first.exit_code == 0
    second = run_demo(app_ctx, "--if-empty")
    assert second.exit_code == 0
    assert second.stdout == ""
    assert second.stderr == "a mission exists already: demo not loaded\n"
    assert db.session.scalar(select(func.count(Mission.id))) == 1


def test_demo_without_if_empty_adds_another_mission_for_the_same_organiser(app_ctx):
    run_demo(app_ctx)
    run_demo(app_ctx)
    assert db.session.scalar(select(func.count(Mission.id))) == 2
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_demo_document_is_deterministic():
    assert build_demo_document() == build_demo_document()


def test_demo_has_the_firms_hosts_and_programme_the_issue_asks_for(app_ctx):
    mission = db.session.get(Mission, int(run_demo(app_ctx).stdout.splitlines()[-1]))
    document = build_mission_document(mission)
    organisations = document["organisations"]
    firms = [o["key"] for o in organisations if o["side"] == "delegation"]
    assert len(firms) == 15
    hosts = Counter((o["country"], o["category"]) for o in organisations if o["side"] == "host")
    for country in ("SN", "MR"):
        assert hosts[(country, "institution")] == 1
        assert hosts[(country, "operator")] == 1
        for category in ("purchasing", "information_systems", "it_services", "distributor"):
            assert hosts[(country, category)] >= 4
        assert sum(n for (c, _), n in hosts.items() if c == country) == 22
    people_per_firm = Counter(p["organisation"] for p in document["people"])
    assert sorted(people_per_firm[f] for f in firms).count(2) == 5
    country_of = {o["key"]: o["country"] for o in organisations}
    per_firm_and_country = Counter(
        (r["delegation"], country_of[r["host"]]) for r in document["requests"]
    )
    assert len(per_firm_and_country) == 30
    assert all(6 <= n <= 10 for n in per_firm_and_country.values())
    assert {r["priority"] for r in document["requests"]} == {1, 2, 3}
    assert {r["requested_by"] for r in document["requests"]} == {
        "delegation",
        "host",
        "both",
        "organiser",
    }
    assert document["meetings"] == []
    assert Counter((a["leg"], a["kind"]) for a in document["activities"]) == {
        ("dakar", "workshop"): 1,
        ("dakar", "site_visit"): 2,
        ("dakar", "transfer"): 1,
        ("nouakchott", "workshop"): 1,
        ("nouakchott", "site_visit"): 2,
    }


def test_demo_times_are_wall_clock_in_each_leg(app_ctx):
    mission = db.session.get(Mission, int(run_demo(app_ctx).stdout.splitlines()[-1]))
    legs = build_mission_document(mission)["legs"]
    assert [leg["timezone"] for leg in legs] == ["Africa/Dakar", "Africa/Nouakchott"]
    assert legs[0]["meeting_windows"][0] == {
        "venue": "dkr-hotel",
        "start": "2027-03-22T11:00:00+00:00",
        "end": "2027-03-22T13:00:00+00:00",
    }
    assert legs[1]["venues"][0]["tables"] == 12
    workshop = db.session.scalar(select(Activity).where(Activity.key == "atelier-nouakchott"))
    assert workshop.start_at.isoformat() == "2027-03-25T09:00:00+00:00"
