from datetime import UTC, datetime

from flask import render_template_string
from flask_babel import lazy_gettext as _l

from mission_app.templating import zone_offset


def test_user_text_inside_a_lazy_translation_is_escaped(app):
    with app.test_request_context():
        message = _l("“%(zone)s” is not a known time zone (e.g. Africa/Dakar).", zone="<b>x</b>")
        html = render_template_string("<p>{{ message }}</p>", message=message)
    assert "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<b>x</b>" not in html


def test_zone_offset_follows_moroccan_ramadan_time_without_hard_coding(app):
    # Morocco leaves UTC+1 for UTC+0 during Ramadan: 2026-03-01 falls inside it, 2026-05-12 not.
    assert zone_offset(datetime(2026, 3, 1, 9, tzinfo=UTC), "Africa/Casablanca") == "UTC"
    assert zone_offset(datetime(2026, 5, 12, 9, tzinfo=UTC), "Africa/Casablanca") == "UTC+1"
    assert zone_offset(datetime(2026, 5, 12, 9, tzinfo=UTC), "Africa/Dakar") == "UTC"


def test_wall_clock_time_the_clocks_skip_or_repeat_is_refused(app):
    import pytest

    from mission_app.services.errors import ValidationFailed
    from mission_app.services.timezones import to_utc

    # Morocco: back to UTC+1 at 02:00 on 2027-03-14 (02:00–03:00 never happens), and from
    # UTC+1 to UTC+0 at 03:00 on 2027-02-07 (02:00–03:00 happens twice).
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as skipped:
            to_utc(datetime(2027, 3, 14, 2, 30), "Africa/Casablanca", "start")
        with pytest.raises(ValidationFailed) as repeated:
            to_utc(datetime(2027, 2, 7, 2, 30), "Africa/Casablanca", "start")
        assert str(skipped.value.errors["start"][0]) == (
            "2027-03-14 02:30 n'existe pas en Africa/Casablanca : on avance les horloges à "
            "ce moment-là. Choisissez une autre heure."
        )
        assert "a lieu deux fois" in str(repeated.value.errors["start"][0])
    assert to_utc(datetime(2027, 3, 14, 3, 30), "Africa/Casablanca") == datetime(
        2027, 3, 14, 2, 30, tzinfo=UTC
    )
