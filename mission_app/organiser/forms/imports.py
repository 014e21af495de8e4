from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class ParticipantUploadForm(FlaskForm):
    """The spreadsheet to preview. Its type, encoding and size are checked by the service, which
    says exactly what is wrong with it."""

    file = FileField(
        _l("Spreadsheet (.xlsx or .csv)"),
        validators=[FileRequired(message=_l("Choose the file to import."))],
    )
