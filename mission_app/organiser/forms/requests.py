from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, Regexp
from wtforms.widgets import HiddenInput

from mission_app.labels import PRIORITY_LABELS, REQUESTER_LABELS, choices
from mission_app.services.meeting_requests import MAX_DURATION_SLOTS


class HostRequestForm(FlaskForm):
    """One host's row on a delegation firm's request page."""

    class Meta:
        csrf = False

    host_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    selected = BooleanField(_l("Request"))
    priority = SelectField(_l("Priority"), coerce=int, choices=choices(PRIORITY_LABELS), default=3)
    requested_by = SelectField(
        _l("Requested by"), choices=choices(REQUESTER_LABELS), default="delegation"
    )
    # Left empty: one slot.
    duration_slots = IntegerField(
        _l("Slots"),
        default=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_DURATION_SLOTS)],
    )


class FirmRequestsForm(FlaskForm):
    hosts = FieldList(FormField(HostRequestForm), min_entries=0, max_entries=5000)


class RequestForm(FlaskForm):
    # The service checks that each chosen person belongs to one of the two organisations.
    attendees = SelectMultipleField(_l("Attendees"), coerce=int, validate_choice=False)
    duration_slots = IntegerField(
        _l("Length in slots"),
        default=1,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_DURATION_SLOTS)],
    )


class MatrixForm(FlaskForm):
    """The whole matrix is one form; the clicked cell's button says which pair to switch."""

    cell = StringField(validators=[DataRequired(), Regexp(r"^\d{1,12}-\d{1,12}$")])
