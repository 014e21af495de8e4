from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from mission_app.services.publications import NOTE_MAX_LENGTH


class PublishForm(FlaskForm):
    note = TextAreaField(
        _l("Note kept with this version (optional, for the organisers)"),
        validators=[Optional(), Length(max=NOTE_MAX_LENGTH)],
        render_kw={"rows": 2, "maxlength": NOTE_MAX_LENGTH},
    )
