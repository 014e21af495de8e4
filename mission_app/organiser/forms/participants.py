from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    FieldList,
    FormField,
    SearchField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from mission_app.labels import CATEGORY_LABELS, LOCALE_LABELS, SIDE_LABELS, choices
from mission_app.models.participants import DELEGATION_CATEGORIES, HOST_CATEGORIES


class FilterForm(FlaskForm):
    """The search and filters above the participants list, sent by GET."""

    class Meta:
        csrf = False

    q = SearchField(_l("Search"), validators=[Optional(), Length(max=100)])
    side = SelectField(
        _l("Side"), choices=choices([("", _l("All")), *SIDE_LABELS.items()]), default=""
    )
    country = SelectField(_l("Country"), choices=choices([("", _l("All"))]), default="")
    category = SelectField(
        _l("Category"), choices=choices([("", _l("All")), *CATEGORY_LABELS.items()]), default=""
    )


class OrganisationForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    side = SelectField(_l("Side"), choices=choices(SIDE_LABELS))
    category = SelectField(
        _l("Category"),
        choices=[
            SelectChoice(code, label, optgroup=SIDE_LABELS[side])
            for side, codes in (("delegation", DELEGATION_CATEGORIES), ("host", HOST_CATEGORIES))
            for code, label in CATEGORY_LABELS.items()
            if code in codes
        ],
    )
    country = StringField(
        _l("Country code"),
        validators=[
            DataRequired(),
            Regexp(r"^[A-Za-z]{2}$", message=_l("Use the two-letter country code, e.g. SN.")),
        ],
    )
    leg_id = SelectField(_l("Meets in"), coerce=lambda v: int(v) if v else None)
    sectors = StringField(
        _l("Sectors"),
        validators=[Optional(), Length(max=500)],
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AvailabilityForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateTimeLocalField(_l("From"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    end = DateTimeLocalField(_l("To"), format="%Y-%m-%dT%H:%M", validators=[Optional()])


class PersonForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    position = StringField(_l("Position"), validators=[Optional(), Length(max=200)])
    email = StringField(
        _l("E-mail"),
        validators=[
            Optional(),
            Email(message=_l("This is not an e-mail address.")),
            Length(max=254),
        ],
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=50)])
    languages = MultiCheckboxField(_l("Languages"), choices=choices(LOCALE_LABELS))
    available = FieldList(FormField(AvailabilityForm), min_entries=3, max_entries=10)
