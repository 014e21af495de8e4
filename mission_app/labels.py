"""What users read for each coded value. Codes stay in English in the data and the files."""

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

SIDE_LABELS = {"delegation": _l("Delegation"), "host": _l("Host")}
CATEGORY_LABELS = {
    "ict_firm": _l("ICT firm"),
    "purchasing": _l("Purchasing director"),
    "information_systems": _l("IS director"),
    "it_services": _l("IT services company"),
    "distributor": _l("Distributor"),
    "institution": _l("Specialised institution"),
    "operator": _l("ICT operator"),
}
ACTIVITY_KIND_LABELS = {
    "workshop": _l("Workshop"),
    "site_visit": _l("Site visit"),
    "plenary": _l("Plenary"),
    "social": _l("Social event"),
    "transfer": _l("Transfer"),
}
PRIORITY_LABELS = {1: _l("Must"), 2: _l("High"), 3: _l("Normal")}
REQUESTER_LABELS = {
    "delegation": _l("Delegation"),
    "host": _l("Host"),
    "both": _l("Both"),
    "organiser": _l("Organiser"),
}
ROLE_LABELS = {"owner": _l("Owner"), "organiser": _l("Organiser"), "viewer": _l("Viewer")}
RUN_STATUS_LABELS = {
    "queued": _l("Waiting"),
    "running": _l("Running"),
    "done": _l("Finished"),
    "stopped": _l("Stopped"),
    "failed": _l("Failed"),
    "applied": _l("Applied"),
    "discarded": _l("Set aside"),
}
LOCALE_LABELS = {"fr": "Français", "en": "English", "ar": "العربية"}
COUNTRY_LABELS = {
    "MA": _l("Morocco"),
    "SN": _l("Senegal"),
    "MR": _l("Mauritania"),
}


def country_label(code: str) -> str:
    return str(COUNTRY_LABELS.get(code, code))


def choices(pairs: dict | Iterable[tuple]) -> list[SelectChoice]:
    """WTForms choices from a label map or (value, label) pairs, keeping their order."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


# The mission day and after (day-of outcomes, follow-ups).
OUTCOME_LABELS = {
    "held": _l("Held"),
    "no_show": _l("No-show"),
    "cancelled": _l("Cancelled"),
    "pending": _l("Not recorded"),
}
STAGE_LABELS = {"lead": _l("Lead"), "proposal": _l("Proposal"), "contract": _l("Contract")}
CURRENCY_LABELS = {
    "MAD": _l("MAD (Moroccan dirham)"),
    "XOF": _l("XOF (CFA franc)"),
    "MRU": _l("MRU (Mauritanian ouguiya)"),
}
