from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from mission_app.labels import ROLE_LABELS, choices


class AddMemberForm(FlaskForm):
    email = EmailField(
        _l("E-mail"),
        validators=[DataRequired(), Email(message=_l("This is not an e-mail address."))],
    )
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS), default="organiser")
    name = StringField(_l("Name (new account)"), validators=[Optional(), Length(max=200)])
    password = PasswordField(
        _l("First password (new account)"), validators=[Optional(), Length(max=1024)]
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=choices(ROLE_LABELS))
