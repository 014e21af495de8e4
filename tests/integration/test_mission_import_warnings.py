"""A mission whose schedule breaks a rule still loads from the CLI and the UI, with warnings:
the app's own exports can hold such conflicts, and a backup must load."""

import io
import json

from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Meeting, Mission
from tests.conftest import page_text
from tests.integration.test_mission_files import meeting, scheduled_document


def _double_booked_document() -> dict:
    document = scheduled_document()
    document["requests"][0]["duration_slots"] = 2
    document["meetings"] = [
        meeting("m-2", "2027-03-22T09:30", "2027-03-22T10:00", table=2, request="r-2"),
        meeting("m-1", "2027-03-22T09:00", "2027-03-22T10:00"),
    ]
    return document


def test_cli_imports_a_conflicting_schedule_and_warns(app_ctx, tmp_path):
    path = tmp_path / "mission.json"
    path.write_text(json.dumps(_double_booked_document()), encoding="utf-8")
    result = app_ctx.test_cli_runner().invoke(args=["mission", "import", str(path)])
    assert result.exit_code == 0, result.output
    mission_id = int(result.stdout.strip().splitlines()[-1])
    assert db.session.get(Mission, mission_id) is not None
    assert db.session.scalar(select(func.count(Meeting.id))) == 2
    assert result.stderr == (
        "warning: meetings[0]: Karim Benali (Atlas) est déjà à meetings[1] (Atlas – Banque), "
        "2027-03-22 09:00–10:00 (Africa/Dakar)\n"
    )


def test_upload_of_a_conflicting_schedule_imports_it_and_says_so(logged_in):
    data = json.dumps(_double_booked_document()).encode()
    response = logged_in.post_form(
        "/missions/import",
        {"file": (io.BytesIO(data), "mission.json")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = page_text(response)
    assert "Mission importée." in page
    assert (
        "Son planning enfreint 1 règle de planification ; la grille la montre : meetings[0]: "
        "Karim Benali (Atlas) est déjà à meetings[1]" in page
    )
    assert db.session.scalar(select(func.count(Meeting.id))) == 2
