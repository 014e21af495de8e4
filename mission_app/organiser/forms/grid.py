"""Forms of the grid editor. The pages render their fields by hand (slots grouped by day), and
the drag-and-drop script posts the same fields: these classes validate them and check CSRF."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import InputRequired, NumberRange, ValidationError


def _instant(form, field) -> None:
    try:
        value = datetime.fromisoformat(field.data or "")
    except ValueError:
        raise ValidationError("not an ISO 8601 instant") from None
    field.instant = value if value.tzinfo else value.replace(tzinfo=UTC)


class VersionForm(FlaskForm):
    """An edit of one meeting, from the version of it the organiser saw."""

    version = IntegerField(validators=[InputRequired()])


class PlaceForm(FlaskForm):
    start = StringField(validators=[InputRequired(), _instant])
    venue = IntegerField(validators=[InputRequired()])
    table = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=10_000)])


class MoveForm(VersionForm, PlaceForm):
    pass


class SwapForm(VersionForm):
    # "<meeting id>:<its version>", one value so that a <select> can carry both.
    other = StringField(validators=[InputRequired()])

    def validate_other(self, field) -> None:
        meeting_id, _, version = (field.data or "").partition(":")
        if not (meeting_id.isdigit() and version.isdigit()):
            raise ValidationError("expected <meeting id>:<version>")
        field.meeting_id, field.version = int(meeting_id), int(version)


class LockForm(VersionForm):
    locked = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=1)])
