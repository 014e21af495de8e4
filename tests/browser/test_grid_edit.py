"""Editing the schedule grid in Chromium: drag a meeting and see it saved, a conflicting drop
refused with its reason, a swap, a request placed by dragging, and the plain form without
script."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from mission_app.extensions import db
from mission_app.models import Meeting
from tests import factories
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

NINE = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
HALF = timedelta(minutes=30)


@pytest.fixture
def mission_grid(app_ctx):
    """Dakar, Hôtel Terrou-Bi with 4 tables open 09:00–11:00 on 12 May. Karim Benali (Atlas
    Logiciels) meets Banque du Cap at 09:00 table 1 and Sonatel Pro at 09:30 table 2; Maghreb
    Data meets Orange Business at 10:00 table 1; Atlas Logiciels – Orange Business waits for a
    meeting."""
    mission = factories.MissionFactory(title="Mission TIC Dakar")
    user = factories.UserFactory(email="organisatrice@agence.example")
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    leg = factories.LegFactory(mission=mission, city="Dakar")
    venue = factories.VenueFactory(leg=leg, tables=4, name="Hôtel Terrou-Bi")
    factories.MeetingWindowFactory(venue=venue, start_at=NINE, end_at=NINE + 4 * HALF)
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    maghreb = factories.OrganisationFactory(mission=mission, name="Maghreb Data")
    factories.PersonFactory(organisation=atlas, name="Karim Benali")
    factories.PersonFactory(organisation=maghreb, name="Nadia Alaoui")
    hosts = {}
    for name, person in (
        ("Banque du Cap", "Awa Gueye"),
        ("Sonatel Pro", "Moussa Ndiaye"),
        ("Orange Business", "Fatou Sow"),
    ):
        hosts[name] = factories.OrganisationFactory(mission=mission, host=True, name=name, leg=leg)
        factories.PersonFactory(organisation=hosts[name], name=person)

    def meeting(firm, host, start, table):
        request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        return factories.MeetingFactory(
            request=request,
            venue=venue,
            table_number=table,
            start_at=start,
            end_at=start + HALF,
        )

    meetings = {
        "banque": meeting(atlas, hosts["Banque du Cap"], NINE, 1),
        "sonatel": meeting(atlas, hosts["Sonatel Pro"], NINE + HALF, 2),
        "orange": meeting(maghreb, hosts["Orange Business"], NINE + 2 * HALF, 1),
    }
    waiting = factories.MeetingRequestFactory(
        mission=mission, delegation=atlas, host=hosts["Orange Business"]
    )
    db.session.commit()
    return {
        "mission": mission,
        "user": user,
        "meetings": meetings,
        "waiting": waiting,
        "url": f"/missions/{mission.id}/grid?leg={leg.id}&day=2026-05-12",
    }


def _cell(page, time: str, table: int):
    return page.locator(f'td.free[data-start="2026-05-12T{time}:00+00:00"][data-table="{table}"]')


def _row(page, table: int):
    return page.locator("table.schedule-grid tbody tr").filter(
        has=page.locator("th", has_text=re.compile(rf"^Table {table}$"))
    )


def _saved(meeting) -> tuple:
    db.session.rollback()
    db.session.refresh(meeting)
    return meeting.start_at, meeting.table_number, meeting.status


def test_grid_drag_a_meeting_to_a_free_cell_saves_it(page, mission_grid):
    banque = mission_grid["meetings"]["banque"]
    log_in(page, mission_grid["user"])
    page.goto(mission_grid["url"])

    page.locator(f"#m{banque.id}").drag_to(_cell(page, "10:30", 3))

    expect(
        page.get_by_text("Rendez-vous déplacé : Atlas Logiciels – Banque du Cap.")
    ).to_be_visible()
    page.reload()
    card = _row(page, 3).locator(f"#m{banque.id}")
    expect(card).to_contain_text("Banque du Cap")
    expect(_row(page, 1).locator(f"#m{banque.id}")).to_have_count(0)
    assert _saved(banque) == (NINE + 3 * HALF, 3, "scheduled")


def test_grid_conflicting_drop_is_refused_and_the_reason_shown(page, mission_grid, tmp_path):
    banque = mission_grid["meetings"]["banque"]
    log_in(page, mission_grid["user"])
    page.goto(mission_grid["url"])

    # Karim Benali already meets Sonatel Pro at 09:30.
    page.locator(f"#m{banque.id}").drag_to(_cell(page, "09:30", 3))

    feedback = page.locator("#grid-feedback")
    expect(feedback).to_contain_text(
        "Modification refusée : elle enfreindrait les règles du planning."
    )
    expect(feedback.locator("li")).to_have_text(
        ["Karim Benali a déjà un rendez-vous à 09:30 : Atlas Logiciels – Sonatel Pro."]
    )
    card = page.locator(f"#m{banque.id}")
    expect(card).to_have_class(re.compile(r"\brefused\b"))
    expect(_row(page, 1).locator(f"#m{banque.id}")).to_have_count(1)
    page.screenshot(path=str(tmp_path / "grid-refused-desktop.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(tmp_path / "grid-refused-phone.png"), full_page=False)
    assert _saved(banque) == (NINE, 1, "scheduled")


def test_grid_drop_on_another_meeting_swaps_them_after_asking(page, mission_grid):
    banque = mission_grid["meetings"]["banque"]
    orange = mission_grid["meetings"]["orange"]
    log_in(page, mission_grid["user"])
    page.goto(mission_grid["url"])
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.locator(f"#m{banque.id}").drag_to(page.locator(f"#m{orange.id}"))

    expect(page.get_by_text("Rendez-vous échangés")).to_be_visible()
    assert questions == [
        "Échanger ces deux rendez-vous ?\n\nAtlas Logiciels – Banque du Cap\n"
        "Maghreb Data – Orange Business"
    ]
    assert _saved(banque) == (NINE + 2 * HALF, 1, "scheduled")
    assert _saved(orange) == (NINE, 1, "scheduled")


def test_grid_drag_a_waiting_request_to_a_free_cell_adds_its_meeting(page, mission_grid):
    log_in(page, mission_grid["user"])
    page.goto(mission_grid["url"])

    page.locator(".unplaced", has_text="Atlas Logiciels").drag_to(_cell(page, "10:30", 4))

    expect(
        page.get_by_text("Rendez-vous ajouté : Atlas Logiciels – Orange Business.")
    ).to_be_visible()
    expect(_row(page, 4)).to_contain_text("Orange Business")
    meeting = db.session.query(Meeting).filter_by(request_id=mission_grid["waiting"].id).one()
    assert (meeting.start_at, meeting.table_number) == (NINE + 3 * HALF, 4)


def test_grid_edit_page_moves_a_meeting_without_script(
    browser, live_server, mission_grid, tmp_path
):
    context = browser.new_context(base_url=live_server, locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    try:
        sonatel = mission_grid["meetings"]["sonatel"]
        log_in(page, mission_grid["user"])
        page.goto(mission_grid["url"])
        edit = page.get_by_role("link", name="Modifier Atlas Logiciels – Sonatel Pro")

        # First into 09:00, where Karim Benali meets Banque du Cap: refused, back to the grid.
        edit.click()
        page.screenshot(path=str(tmp_path / "meeting-edit-page.png"), full_page=True)
        page.get_by_label("Jour et heure").select_option(label="mar. 12 mai · 09:00")
        page.get_by_label("Table", exact=True).select_option(label="Table 4")
        page.get_by_role("button", name="Déplacer").click()
        expect(page.locator(".flash-error")).to_have_text(
            [
                "Modification refusée : elle enfreindrait les règles du planning.",
                "Karim Benali a déjà un rendez-vous à 09:00 : Atlas Logiciels – Banque du Cap.",
            ]
        )
        expect(page.locator(f"#m{sonatel.id}")).to_have_class(re.compile(r"\brefused\b"))
        page.screenshot(path=str(tmp_path / "grid-refused-without-script.png"), full_page=True)
        assert _saved(sonatel) == (NINE + HALF, 2, "scheduled")

        edit.click()
        page.get_by_label("Jour et heure").select_option(label="mar. 12 mai · 10:30")
        page.get_by_label("Table", exact=True).select_option(label="Table 4")
        page.get_by_role("button", name="Déplacer").click()

        expect(
            page.get_by_text("Rendez-vous déplacé : Atlas Logiciels – Sonatel Pro.")
        ).to_be_visible()
        expect(_row(page, 4)).to_contain_text("Sonatel Pro")
        assert _saved(sonatel) == (NINE + 3 * HALF, 4, "scheduled")
    finally:
        context.close()


def test_grid_on_a_phone_scrolls_inside_its_frame_not_the_whole_page(page, mission_grid):
    orange = mission_grid["meetings"]["orange"]
    orange.start_at, orange.end_at = NINE + 3 * HALF, NINE + 4 * HALF  # the last column
    db.session.commit()
    log_in(page, mission_grid["user"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(mission_grid["url"])

    frame = page.locator(".grid-wrap")
    scroll, visible = frame.evaluate("wrap => [wrap.scrollWidth, wrap.clientWidth]")
    assert scroll > visible  # the grid is wider than the phone, so its frame scrolls
    # Nothing inside it (such as the hidden names read out after "Modifier") widens the page.
    assert page.evaluate("document.documentElement.scrollWidth") == 390
