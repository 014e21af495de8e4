from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext  # lazy, named so that pybabel extracts it
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField

from mission_app.labels import choices
from mission_app.services.schedule_runs import TIME_LIMITS


class StartRunForm(FlaskForm):
    time_limit = SelectField(
        _l("Time to search"),
        coerce=int,
        default=30,
        choices=choices(
            (
                seconds,
                ngettext("%(num)d second", "%(num)d seconds", seconds)
                if seconds < 60
                else ngettext("%(num)d minute", "%(num)d minutes", seconds // 60),
            )
            for seconds in TIME_LIMITS
        ),
    )
    fresh = BooleanField(_l("Start afresh: ignore where meetings are now"))
