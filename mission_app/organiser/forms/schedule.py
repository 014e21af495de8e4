from flask_babel import lazy_gettext as _l
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
                _l("%(num)d seconds", num=seconds)
                if seconds < 60
                else _l("%(num)d minutes", num=seconds // 60),
            )
            for seconds in TIME_LIMITS
        ),
    )
    fresh = BooleanField(_l("Start afresh: ignore where meetings are now"))
