from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mission_app.labels import ACTIVITY_KIND_LABELS, choices


class ActivityForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=choices(ACTIVITY_KIND_LABELS))
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    leg_id = SelectField(_l("Leg"), coerce=lambda v: int(v) if v else None)
    start = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    location = StringField(_l("Place"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=10000)])
    # The service checks that each chosen person belongs to the mission, with a clear reason.
    attendees = SelectMultipleField(_l("Attendees"), coerce=int, validate_choice=False)
    all_delegates = BooleanField(_l("Every person of the delegation"))
