from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class MissionFileForm(FlaskForm):
    file = FileField(
        _l("Mission file"),
        validators=[
            FileRequired(_l("Choose a mission file to import.")),
            FileAllowed(
                ["json"],
                _l(
                    "A mission file ends in .json. To add participants from a spreadsheet, "
                    "use the import on the Participants page."
                ),
            ),
        ],
    )
