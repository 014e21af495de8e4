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
