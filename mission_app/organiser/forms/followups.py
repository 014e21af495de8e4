"""Follow-up of a meeting, and the filters of the follow-ups page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired

from mission_app.labels import CURRENCY_LABELS, STAGE_LABELS, choices


class FollowUpForm(FlaskForm):
    """Values are checked by services/followups.py, which names what is wrong; the amount is
    text so that '12 500,50' is read as people write it."""

    stage = SelectField(
        _l("Stage"),
        choices=choices(STAGE_LABELS),
        validators=[InputRequired(message=_l("Choose the stage: lead, proposal or contract."))],
        validate_choice=False,
    )
    notes = TextAreaField(_l("Notes"))
    estimated_value = StringField(_l("Estimated value"))
    currency = SelectField(
        _l("Currency"),
        choices=choices([("", _l("No value")), *CURRENCY_LABELS.items()]),
        validate_choice=False,
        default="",
    )
    # the follow-up's last change when the form was shown: a save over someone else's is refused
    seen_version = HiddenField()


class FollowUpFilterForm(FlaskForm):
    """The filters of the follow-ups page, read from the URL."""

    class Meta:
        csrf = False

    firm = SelectField(_l("Delegation firm"), validate_choice=False)
    stage = SelectField(
        _l("Stage"),
        choices=choices([("", _l("All stages")), *STAGE_LABELS.items()]),
        validate_choice=False,
    )

    def set_firms(self, firms) -> None:
        self.firm.choices = choices([("", _l("All firms")), *((str(f.id), f.name) for f in firms)])
