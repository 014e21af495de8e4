from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from mission_app.labels import LOCALE_LABELS, choices
from mission_app.services.errors import ValidationFailed
from mission_app.services.timezones import check_timezone


class MissionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    organiser = StringField(_l("Organised by"), validators=[Optional(), Length(max=200)])
    locale = SelectField(_l("Default language of documents"), choices=choices(LOCALE_LABELS))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


def known_time_zone(form, field) -> None:
    """The same check as the service, early, so that every error shows at once."""
    try:
        check_timezone(field.data.strip())
    except ValidationFailed as failure:
        raise ValidationError(str(failure.errors["timezone"][0])) from None


class LegForm(FlaskForm):
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    country = StringField(
        _l("Country code"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter country code, e.g. SN.")),
        ],
    )
    timezone = StringField(
        _l("Time zone"),
        validators=[DataRequired(), Length(max=64), known_time_zone],
        default="Africa/Dakar",
    )
    slot_minutes = IntegerField(
        _l("Length of one meeting slot (minutes)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=5, max=240)],
    )


class VenueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=500)])
    tables = IntegerField(
        _l("Number of tables"),
        default=10,
        validators=[InputRequired(), NumberRange(min=1, max=500)],
    )


class WindowForm(FlaskForm):
    venue_id = SelectField(_l("Venue"), coerce=int, validators=[DataRequired()])
    start = DateTimeLocalField(_l("Start"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    end = DateTimeLocalField(_l("End"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
