"""A meeting whose window was changed after it was placed no longer starts on a slot; it still
takes its people and its table at its real times, and a hand edit may not double-book them."""

from datetime import timedelta

import pytest

from mission_app.extensions import db
from mission_app.services.meeting_edits import EditRefused, add_meeting, move_meeting
from mission_app.services.missions import save_window
from tests.conftest import page_text
from tests.integration import test_meeting_edits_service as edits
from tests.integration.test_meeting_edits_service import HALF, NINE, _meeting, _place, english

setup = edits.setup  # the same mission: Dakar's Hôtel Terrou-Bi, 09:00–11:00, four requests

QUARTER = timedelta(minutes=15)


def _shift_window(organiser, setup) -> None:
    """The organiser moves the Terrou-Bi window from 09:00–11:00 to 09:15–11:15 (Dakar is UTC)."""
    window = setup["venue"].windows[0]
    save_window(
        organiser,
        setup["dakar"],
        venue_id=setup["venue"].id,
        start=(NINE + QUARTER).replace(tzinfo=None),
        end=(NINE + 4 * HALF + QUARTER).replace(tzinfo=None),
        window=window,
    )
    db.session.commit()


def test_move_meeting_onto_a_person_in_an_off_grid_meeting_is_refused(mission, organiser, setup):
    banque = _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    orange = _meeting(setup["requests"]["orange"], setup["venue"], NINE + 2 * HALF, table=2)
    db.session.commit()
    _shift_window(organiser, setup)
    # Banque du Cap still runs 09:00–09:30; the 09:15 slot overlaps it for Karim Benali.

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            orange.id,
            expected_version=1,
            start_at=NINE + QUARTER,
            venue_id=setup["venue"].id,
            table_number=2,
        )
    db.session.rollback()

    assert english(refused.value.message) == "This change is refused: it would break the schedule."
    assert [english(r) for r in refused.value.reasons] == [
        "Karim Benali already has a meeting at 09:00: Atlas Logiciels – Banque du Cap."
    ]
    assert _place(orange)[:4] == (NINE + 2 * HALF, NINE + 3 * HALF, setup["venue"].id, 2)
    assert _place(banque)[:4] == (NINE, NINE + HALF, setup["venue"].id, 1)


def test_move_meeting_onto_the_table_of_an_off_grid_meeting_is_refused(mission, organiser, setup):
    _meeting(setup["requests"]["sonatel"], setup["venue"], NINE, table=1)
    maghreb = _meeting(setup["requests"]["maghreb"], setup["venue"], NINE + 2 * HALF, table=2)
    db.session.commit()
    _shift_window(organiser, setup)

    with pytest.raises(EditRefused) as refused:
        move_meeting(
            mission,
            organiser,
            maghreb.id,
            expected_version=1,
            start_at=NINE + QUARTER,
            venue_id=setup["venue"].id,
            table_number=1,
        )
    db.session.rollback()

    assert [english(r) for r in refused.value.reasons] == [
        "Table 1 of Hôtel Terrou-Bi is already taken at 09:00 by Atlas Logiciels – Sonatel Pro."
    ]
    assert _place(maghreb)[:4] == (NINE + 2 * HALF, NINE + 3 * HALF, setup["venue"].id, 2)


def test_add_meeting_overlapping_an_off_grid_meeting_of_a_person_is_refused(
    mission, organiser, setup
):
    _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    db.session.commit()
    _shift_window(organiser, setup)

    with pytest.raises(EditRefused) as refused:
        add_meeting(
            mission,
            organiser,
            setup["requests"]["maghreb"].id,
            start_at=NINE + QUARTER,
            venue_id=setup["venue"].id,
            table_number=2,
        )
    db.session.rollback()

    assert [english(r) for r in refused.value.reasons] == [
        "Awa Gueye already has a meeting at 09:00: Atlas Logiciels – Banque du Cap."
    ]


def test_move_meeting_clear_of_an_off_grid_meeting_is_allowed(mission, organiser, setup):
    _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    orange = _meeting(setup["requests"]["orange"], setup["venue"], NINE + 2 * HALF, table=2)
    db.session.commit()
    _shift_window(organiser, setup)

    move_meeting(
        mission,
        organiser,
        orange.id,
        expected_version=1,
        start_at=NINE + HALF + QUARTER,
        venue_id=setup["venue"].id,
        table_number=1,
    )
    db.session.commit()

    assert _place(orange)[:4] == (
        NINE + HALF + QUARTER,
        NINE + 2 * HALF + QUARTER,
        setup["venue"].id,
        1,
    )


def test_save_window_leaving_meetings_off_the_slots_warns_how_many(logged_in, mission, setup):
    _meeting(setup["requests"]["banque"], setup["venue"], NINE, table=1)
    _meeting(setup["requests"]["maghreb"], setup["venue"], NINE + HALF, table=2)
    window = setup["venue"].windows[0]
    url = f"/missions/{mission.id}/legs/{setup['dakar'].id}/windows/{window.id}/edit"

    moved = logged_in.post_form(
        url,
        {
            "venue_id": str(setup["venue"].id),
            "start": "2026-05-12T09:15",
            "end": "2026-05-12T11:15",
        },
        follow_redirects=True,
    )
    back = logged_in.post_form(
        url,
        {
            "venue_id": str(setup["venue"].id),
            "start": "2026-05-12T09:00",
            "end": "2026-05-12T11:00",
        },
        follow_redirects=True,
    )

    assert (
        "2 rendez-vous planifiés ne commencent plus sur un créneau des plages de rendez-vous : "
        "déplacez-les dans la grille du planning."
    ) in page_text(moved)
    assert "ne commence" not in page_text(back)
