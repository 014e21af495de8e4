"""Numbers too large for the database in URLs: a page that does not exist (404), or a filter
taken as absent, never an OverflowError from the database driver (500 on SQLite)."""

from __future__ import annotations

import pytest

HUGE = "99999999999999999999999"  # far above 2**63 - 1
LARGEST = str(2**31 - 1)  # the largest INTEGER, the type of every id column


@pytest.mark.parametrize(
    "path",
    [
        "/missions/{mission}/meetings/999999999999999999999/cancel",
        "/missions/{mission}/meetings/" + str(2**63) + "/cancel",
        "/missions/{mission}/meetings/" + str(2**31) + "/cancel",
        "/missions/" + HUGE + "/follow-ups",
    ],
)
def test_post_or_get_with_an_id_too_large_for_the_database_is_not_found(logged_in, mission, path):
    url = path.format(mission=mission.id)
    if url.endswith("/cancel"):
        response = logged_in.post_form(
            url, {"version": 1}, token_from=f"/missions/{mission.id}/schedule"
        )
    else:
        response = logged_in.get(url)

    assert response.status_code == 404


def test_meeting_id_at_the_largest_integer_is_matched_and_not_found(logged_in, mission):
    url = f"/missions/{mission.id}/meetings/{LARGEST}/cancel"
    response = logged_in.post_form(
        url, {"version": 1}, token_from=f"/missions/{mission.id}/schedule"
    )

    # The rule matches (the id fits in the database); there is no such meeting.
    assert response.status_code == 404


@pytest.mark.parametrize("firm", [HUGE, "-" + HUGE, str(2**31), "abc"])
def test_follow_ups_with_a_firm_that_is_no_id_shows_them_unfiltered(logged_in, mission, firm):
    response = logged_in.get(f"/missions/{mission.id}/follow-ups?firm={firm}")

    assert response.status_code == 200
