"""The buttons of the day sheet: one small form per meeting."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, InputRequired
from wtforms.widgets import HiddenInput

from mission_app.services.outcomes import DAY_STATES


class DayStateForm(FlaskForm):
    """The pressed button's `state`, and the meeting's version as the page showed it."""

    state = StringField(validators=[InputRequired(), AnyOf(DAY_STATES)])
    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
