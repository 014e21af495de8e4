"""Import of organisations and people from the spreadsheets organisers keep.

One row per person, the organisation's columns repeated on each row, headers in French or in
English. The file is read (services/spreadsheets.py), each row is checked on its own, then the
rows against each other, then against the mission: organisations match by name, people by e-mail
(else by name within their organisation). A preview shows what would be created and updated; the
import itself reads and checks the file again and writes all of it, or nothing if anything is
wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mission_app.extensions import db
from mission_app.labels import CATEGORY_LABELS, LOCALE_LABELS, SIDE_LABELS
from mission_app.models import Mission, Organisation, Person, User
from mission_app.models.participants import DELEGATION_CATEGORIES, HOST_CATEGORIES, LANGUAGES
from mission_app.services.errors import ValidationFailed
from mission_app.services.keys import fold, slugify
from mission_app.services.spreadsheets import LocalNumber, Table, read_table, write_csv, write_xlsx

MAX_ROWS = 5000
# Organisers sometimes put a title and a blank line above the headers.
HEADER_SEARCH_ROWS = 10
MAX_LENGTHS = {
    "organisation": 200,
    "name": 200,
    "position": 200,
    "email": 254,
    "phone": 50,
    "sectors": 500,
    "description": 5000,
}


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    label: object  # lazy string: how the page and the errors name the column
    headers: tuple[str, ...]  # accepted headers, French first; the first is the model file's
    required: object = None  # lazy string saying when the column is required, or None
    help: object = ""


class LazyJoin:
    """Labels joined with commas in the reader's language when the message is shown."""

    def __init__(self, items: Iterable, separator: str = ", "):
        self.items = list(items)
        self.separator = separator

    def __str__(self) -> str:
        return self.separator.join(str(item) for item in self.items)


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "organisation",
        _l("Organisation"),
        (
            "Organisation",
            "Entreprise",
            "Société",
            "Organisme",
            "Structure",
            "Raison sociale",
            "Nom de l'entreprise",
            "Nom de la société",
            "Nom de l'organisation",
            "Organization",
            "Company",
        ),
        required=_l("Yes"),
        help=_l("Its name. Rows with the same name are the same organisation."),
    ),
    ColumnSpec(
        "side",
        _l("Side"),
        ("Côté", "Side"),
        required=_l("Yes, or the category"),
        help=_l(
            "%(values)s, in French or English. Can be left empty when the category is given.",
            values=LazyJoin(SIDE_LABELS.values()),
        ),
    ),
    ColumnSpec(
        "category",
        _l("Category"),
        ("Catégorie", "Type", "Category"),
        help=_l(
            "%(values)s, in French or English. Can be left empty for delegation firms.",
            values=LazyJoin(CATEGORY_LABELS.values()),
        ),
    ),
    ColumnSpec(
        "country",
        _l("Country"),
        ("Pays", "Country"),
        required=_l("Yes"),
        help=_l("The two-letter code (MA, SN, MR…) or the country's name."),
    ),
    ColumnSpec(
        "leg",
        _l("Leg"),
        ("Étape", "Ville", "Leg", "City"),
        help=_l(
            "For hosts: the city of the leg where they hold their meetings. "
            "Empty: the leg of their country. Ignored for delegation firms, who travel."
        ),
    ),
    ColumnSpec(
        "sectors",
        _l("Sectors"),
        ("Secteurs", "Secteur", "Secteurs d'activité", "Secteur d'activité", "Sectors", "Sector"),
        help=_l("Separated by commas or semicolons."),
    ),
    ColumnSpec(
        "description",
        _l("Description"),
        ("Description", "Présentation", "Activité"),
        help=_l("Free text about the organisation."),
    ),
    ColumnSpec(
        "first_name",
        _l("First name"),
        ("Prénom", "First name"),
        help=_l("Optional: put before the name."),
    ),
    ColumnSpec(
        "name",
        _l("Name"),
        (
            "Nom",
            "Nom complet",
            "Nom et prénom",
            "Prénom et nom",
            "Contact",
            "Participant",
            "Name",
            "Full name",
            "Last name",
        ),
        required=_l("Yes"),
        help=_l(
            "The person's name (the last name if there is a first-name column). "
            "Empty: the row only creates or updates the organisation."
        ),
    ),
    ColumnSpec(
        "position",
        _l("Position"),
        ("Fonction", "Poste", "Titre", "Position", "Job title", "Title"),
        help=_l("Job title."),
    ),
    ColumnSpec(
        "email",
        _l("E-mail"),
        ("E-mail", "Email", "Courriel", "Mail", "Adresse e-mail", "Adresse mail"),
        help=_l("Identifies the person. The same e-mail twice in one file is refused."),
    ),
    ColumnSpec(
        "phone",
        _l("Phone"),
        ("Téléphone", "Tél", "Portable", "Mobile", "GSM", "Phone"),
        help=_l("As it should be printed, e.g. +221 77 123 45 67."),
    ),
    ColumnSpec(
        "languages",
        _l("Languages"),
        ("Langues", "Langue", "Languages", "Language"),
        help=_l("fr, en, ar (or Français, Anglais, Arabe), separated by commas."),
    ),
)
COLUMN_BY_FIELD = {column.field: column for column in COLUMNS}


def fold_word(text: str) -> str:
    """A header or a coded value for comparing: also without punctuation or notes in brackets."""
    text = re.sub(r"\(.*?\)|\[.*?\]|\*", " ", text)
    return " ".join(re.sub(r"[\W_]+", " ", fold(text)).split())


HEADER_FIELDS = {fold_word(header): column.field for column in COLUMNS for header in column.headers}
HEADER_FIELDS.update({"nom de famille": "name", "tel": "phone", "telephone portable": "phone"})


def _country_names() -> dict[str, str]:
    codes: dict[str, str] = {}
    for language in ("en", "fr"):
        for code, name in Locale(language).territories.items():
            if len(code) == 2 and code.isalpha() and code not in {"ZZ", "EU", "EZ", "UN", "QO"}:
                codes[fold_word(name)] = code
                codes[code.lower()] = code
    return codes


COUNTRIES = _country_names()
SIDE_WORDS = {"delegation": "delegation", "host": "host", "hote": "host"}
CATEGORY_WORDS = {
    "entreprise tic": "ict_firm",
    "dsi": "information_systems",
    "cio": "information_systems",
    "directeur des systemes d information": "information_systems",
    "directeur si": "information_systems",
    "ssii": "it_services",
    "esn": "it_services",
    "societe de services": "it_services",
    "directeur achats": "purchasing",
    "directeur des achats": "purchasing",
    "acheteur": "purchasing",
    "achats": "purchasing",
    "distributeur": "distributor",
    "institution": "institution",
    "operateur": "operator",
    "operateur telecom": "operator",
}
LANGUAGE_WORDS = {
    "fr": "fr",
    "francais": "fr",
    "french": "fr",
    "en": "en",
    "anglais": "en",
    "english": "en",
    "ar": "ar",
    "arabe": "ar",
    "arabic": "ar",
    **{fold_word(label): code for code, label in LOCALE_LABELS.items()},
}


def _label_words(labels: dict) -> dict[str, str]:
    """Each code, and its label in French and in English, mapped to the code."""
    words = {fold_word(code): code for code in labels}
    for language in ("fr", "en"):
        with force_locale(language):
            words.update({fold_word(str(label)): code for code, label in labels.items()})
    return words


def _side_words() -> dict[str, str]:
    return {**_label_words(SIDE_LABELS), **SIDE_WORDS}


def _category_words() -> dict[str, str]:
    return {**_label_words(CATEGORY_LABELS), **CATEGORY_WORDS}


@dataclass(frozen=True)
class LegChoice:
    id: int
    key: str
    city: str


@dataclass(frozen=True)
class ImportProblem:
    """One problem: its row as the organiser sees it (None: the whole file) and its column."""

    row: int | None
    column: object  # the header as written in the file, or a column label
    message: object  # lazy string


@dataclass(frozen=True)
class ParsedRow:
    row: int
    organisation: str
    side: str
    category: str
    country: str
    leg_id: int | None = None
    sectors: tuple[str, ...] = ()
    description: str = ""
    name: str = ""
    position: str = ""
    email: str = ""
    phone: str = ""
    languages: tuple[str, ...] = ()
    # False when a cell of the row is wrong: the wrong cells are left empty, so that the other
    # checks can still run on the rest and every problem of the file is listed at once.
    complete: bool = True


@dataclass
class OrganisationValues:
    """An organisation as the file describes it, merged from all of its rows."""

    name: str
    side: str
    category: str
    country: str
    leg_id: int | None
    sectors: tuple[str, ...]
    description: str
    first_row: int


@dataclass
class ParsedFile:
    """What the file says, checked on its own (without looking at the mission)."""

    table: Table | None
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # field -> header in the file
    ignored_columns: list[str] = field(default_factory=list)
    # The organisations of the file, merged from their rows, in the order they first appear.
    organisations: dict[str, OrganisationValues] = field(default_factory=dict)


def _find_header(table: Table) -> tuple[int, tuple[str, ...]]:
    candidates = table.rows[:HEADER_SEARCH_ROWS]
    for index, (_number, cells) in enumerate(candidates):
        recognised = {
            HEADER_FIELDS[fold_word(cell)] for cell in cells if fold_word(cell) in HEADER_FIELDS
        }
        if len(recognised) >= 2:
            return index, cells
    return 0, candidates[0][1]


def parse_participants(table: Table, legs: Sequence[LegChoice] = ()) -> ParsedFile:
    """The rows of `table` as participants, with every problem found, row by row."""
    parsed = ParsedFile(table)
    if not table.rows:
        parsed.errors.append(ImportProblem(None, "", _l("The file is empty.")))
        return parsed
    header_index, header_cells = _find_header(table)
    header_row = table.rows[header_index][0]
    positions = _map_columns(parsed, header_row, header_cells)
    if parsed.errors:
        return parsed
    data_rows = table.rows[header_index + 1 :]
    if not data_rows:
        parsed.errors.append(
            ImportProblem(None, "", _l("The file has a header row but no data rows."))
        )
        return parsed
    if table.truncated or len(data_rows) > MAX_ROWS:
        parsed.errors.append(
            ImportProblem(
                None,
                "",
                _l(
                    "The file has more than %(max)s rows; split it into several files.",
                    max=LocalNumber(MAX_ROWS),
                ),
            )
        )
        return parsed
    reader = _RowReader(parsed, positions, legs)
    parsed.rows = [reader.read(number, cells) for number, cells in data_rows]
    _check_rows_together(parsed)
    parsed.errors.sort(key=lambda problem: problem.row or 0)
    parsed.warnings.sort(key=lambda problem: problem.row or 0)
    return parsed


def _map_columns(parsed: ParsedFile, header_row: int, cells: tuple[str, ...]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not cell:
            continue
        field_name = HEADER_FIELDS.get(fold_word(cell))
        if field_name is None:
            parsed.ignored_columns.append(cell)
        elif field_name in positions:
            parsed.errors.append(
                ImportProblem(
                    header_row,
                    cell,
                    _l(
                        "The columns “%(first)s” and “%(second)s” hold the same information; "
                        "keep only one.",
                        first=parsed.headers[field_name],
                        second=cell,
                    ),
                )
            )
        else:
            positions[field_name] = index
            parsed.headers[field_name] = cell
    found = LazyJoin(cell for cell in cells if cell)
    for column in COLUMNS:
        missing = column.field not in positions
        if column.field == "side":
            missing = missing and "category" not in positions
        if column.required is not None and missing:
            parsed.errors.append(
                ImportProblem(
                    header_row,
                    column.label,
                    _l(
                        "Missing column “%(column)s” (also accepted: %(accepted)s). "
                        "Columns found: %(found)s.",
                        column=column.label,
                        accepted=LazyJoin(column.headers),
                        found=found,
                    ),
                )
            )
    if parsed.ignored_columns and not parsed.errors:
        parsed.warnings.append(
            ImportProblem(
                header_row,
                "",
                _l(
                    "Columns ignored: %(columns)s.",
                    columns=LazyJoin(parsed.ignored_columns),
                ),
            )
        )
    return positions


class _RowReader:
    """Reads one data row: each cell checked and turned into coded values."""

    def __init__(self, parsed: ParsedFile, positions: dict[str, int], legs: Sequence[LegChoice]):
        self.parsed = parsed
        self.positions = positions
        self.legs = legs
        self.sides = _side_words()
        self.categories = _category_words()
        self.leg_words: dict[str, LegChoice] = {}
        for leg in reversed(legs):
            self.leg_words[fold_word(leg.key)] = leg
            self.leg_words[fold_word(leg.city)] = leg

    def read(self, number: int, cells: tuple[str, ...]) -> ParsedRow:
        self.number = number
        self.cells = cells
        errors_before = len(self.parsed.errors)
        organisation = self._text("organisation", required=True)
        country = self._country()
        side, category = self._side_and_category()
        leg_id = self._leg(side)
        sectors = tuple(
            dict.fromkeys(part.strip() for part in re.split(r"[;,]", self._text("sectors")))
        )
        sectors = tuple(sector for sector in sectors if sector)
        description = self._text("description", single_line=False)
        name = " ".join(
            part for part in (self._text("first_name"), self._text("name")) if part
        ).strip()
        if len(name) > MAX_LENGTHS["name"]:
            self._error("name", self._too_long("name"))
        position = self._text("position")
        email = self._email()
        phone = self._text("phone")
        languages = self._languages()
        if not name and (position or email or phone or languages):
            self._error(
                "name",
                _l(
                    "This row has a person's details but no name. Give the name, or empty the "
                    "row's person columns."
                ),
            )
        return ParsedRow(
            row=number,
            organisation=organisation,
            side=side,
            category=category,
            country=country,
            leg_id=leg_id,
            sectors=sectors,
            description=description,
            name=name,
            position=position,
            email=email,
            phone=phone,
            languages=languages,
            complete=len(self.parsed.errors) == errors_before,
        )

    def _raw(self, field_name: str) -> str:
        index = self.positions.get(field_name)
        if index is None or index >= len(self.cells):
            return ""
        return self.cells[index].strip()

    def _column(self, field_name: str):
        return self.parsed.headers.get(field_name) or COLUMN_BY_FIELD[field_name].label

    def _error(self, field_name: str, message) -> None:
        self.parsed.errors.append(ImportProblem(self.number, self._column(field_name), message))

    def _warn(self, field_name: str, message) -> None:
        self.parsed.warnings.append(ImportProblem(self.number, self._column(field_name), message))

    @staticmethod
    def _too_long(field_name: str):
        return _l("Too long: at most %(max)d characters.", max=MAX_LENGTHS[field_name])

    def _text(self, field_name: str, required: bool = False, single_line: bool = True) -> str:
        value = self._raw(field_name)
        if single_line:
            value = " ".join(value.split())
        if required and not value:
            self._error(field_name, _l("This cell cannot be empty."))
        limit = MAX_LENGTHS.get(field_name)
        if limit and len(value) > limit:
            self._error(field_name, self._too_long(field_name))
        return value

    def _country(self) -> str:
        value = self._raw("country")
        if not value:
            self._error("country", _l("This cell cannot be empty."))
            return ""
        code = COUNTRIES.get(fold_word(value))
        if code is None:
            self._error(
                "country",
                _l(
                    "Unknown country “%(value)s”: write its two-letter code (MA, SN, MR…) or "
                    "its name.",
                    value=value,
                ),
            )
            return ""
        return code

    def _side_and_category(self) -> tuple[str, str]:
        side_text, category_text = self._raw("side"), self._raw("category")
        side = self.sides.get(fold_word(side_text), "") if side_text else ""
        category = self.categories.get(fold_word(category_text), "") if category_text else ""
        if side_text and not side:
            self._error(
                "side",
                _l(
                    "Unknown side “%(value)s”: write %(accepted)s.",
                    value=side_text,
                    accepted=LazyJoin(SIDE_LABELS.values(), " / "),
                ),
            )
        if category_text and not category:
            self._error(
                "category",
                _l(
                    "Unknown category “%(value)s”: write one of %(accepted)s.",
                    value=category_text,
                    accepted=LazyJoin(CATEGORY_LABELS.values()),
                ),
            )
        if (side_text and not side) or (category_text and not category):
            return "", ""
        if not side and not category:
            self._error(
                "side",
                _l(
                    "This cell cannot be empty: write %(accepted)s, or give the category.",
                    accepted=LazyJoin(SIDE_LABELS.values(), " / "),
                ),
            )
            return "", ""
        if not side:
            side = "delegation" if category in DELEGATION_CATEGORIES else "host"
        if side == "delegation":
            if category and category not in DELEGATION_CATEGORIES:
                self._error(
                    "category",
                    _l(
                        "A delegation firm is an ICT firm; “%(value)s” is a host category.",
                        value=category_text,
                    ),
                )
                return "", ""
            return side, category or DELEGATION_CATEGORIES[0]
        if not category:
            self._error(
                "category",
                _l(
                    "Give the category of this host: one of %(accepted)s.",
                    accepted=LazyJoin(CATEGORY_LABELS[code] for code in HOST_CATEGORIES),
                ),
            )
            return "", ""
        if category not in HOST_CATEGORIES:
            self._error(
                "category",
                _l(
                    "A host cannot be “%(value)s”; a host is one of %(accepted)s.",
                    value=category_text,
                    accepted=LazyJoin(CATEGORY_LABELS[code] for code in HOST_CATEGORIES),
                ),
            )
            return "", ""
        return side, category

    def _leg(self, side: str) -> int | None:
        value = self._raw("leg")
        if not value:
            return None
        if side == "delegation":
            self._warn(
                "leg",
                _l(
                    "“%(value)s” is ignored: delegation firms travel to every leg.",
                    value=value,
                ),
            )
            return None
        leg = self.leg_words.get(fold_word(value))
        if leg is not None:
            return leg.id
        if self.legs:
            message = _l(
                "Unknown leg “%(value)s”: this mission's legs are %(accepted)s.",
                value=value,
                accepted=LazyJoin(leg.city for leg in self.legs),
            )
        else:
            message = _l(
                "Unknown leg “%(value)s”: this mission has no leg yet. Add the legs first, or "
                "leave this cell empty.",
                value=value,
            )
        self._error("leg", message)
        return None

    def _email(self) -> str:
        value = self._raw("email")
        if not value:
            return ""
        if len(value) > MAX_LENGTHS["email"]:
            self._error("email", self._too_long("email"))
            return ""
        try:
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            self._error("email", _l("“%(email)s” is not an e-mail address.", email=value))
            return ""
        return value.lower()

    def _languages(self) -> tuple[str, ...]:
        value = self._raw("languages")
        codes: list[str] = []
        for word in re.split(r"[,;/+&\s]+|\bet\b|\band\b", value):
            if not word.strip():
                continue
            code = LANGUAGE_WORDS.get(fold_word(word))
            if code is None:
                self._error(
                    "languages",
                    _l(
                        "Unknown language “%(value)s”: write fr, en or ar, or the language's "
                        "name (Français, Anglais, Arabe).",
                        value=word.strip(),
                    ),
                )
            elif code not in codes:
                codes.append(code)
        return tuple(code for code in LANGUAGES if code in codes)


def _check_rows_together(parsed: ParsedFile) -> None:
    """Duplicates and contradictions between rows."""
    first_with_email: dict[str, int] = {}
    first_with_person: dict[tuple[str, str], int] = {}
    organisations = parsed.organisations
    for row in parsed.rows:
        key = fold(row.organisation)
        known = organisations.get(key)
        if not key:
            pass
        elif known is None:
            organisations[key] = _values_of(row)
        else:
            _merge_organisation(parsed, known, row)
        if row.email:
            if row.email in first_with_email:
                parsed.errors.append(
                    ImportProblem(
                        row.row,
                        parsed.headers["email"],
                        _l(
                            "The e-mail %(email)s is already on row %(row)d.",
                            email=row.email,
                            row=first_with_email[row.email],
                        ),
                    )
                )
            else:
                first_with_email[row.email] = row.row
        if row.name and key:
            person_key = (key, fold(row.name))
            if person_key in first_with_person:
                parsed.errors.append(
                    ImportProblem(
                        row.row,
                        parsed.headers["name"],
                        _l(
                            "%(name)s of %(organisation)s is already on row %(row)d.",
                            name=row.name,
                            organisation=row.organisation,
                            row=first_with_person[person_key],
                        ),
                    )
                )
            else:
                first_with_person[person_key] = row.row


def _values_of(row: ParsedRow) -> OrganisationValues:
    return OrganisationValues(
        name=row.organisation,
        side=row.side,
        category=row.category,
        country=row.country,
        leg_id=row.leg_id,
        sectors=row.sectors,
        description=row.description,
        first_row=row.row,
    )


def _merge_organisation(parsed: ParsedFile, known: OrganisationValues, row: ParsedRow) -> None:
    """Rows repeat their organisation: its values must agree; empty cells take the others'.

    A side, category or country left empty by a wrong cell (already reported) is not compared.
    """
    if not known.side and row.side:
        known.side, known.category = row.side, row.category
    if not known.country:
        known.country = row.country
    identity = [("side", row.side, known.side), ("country", row.country, known.country)]
    if row.side == known.side:
        identity.append(("category", row.category, known.category))
    for field_name, value, expected in identity:
        if value and expected and value != expected:
            header = parsed.headers.get(field_name) or parsed.headers["category"]
            parsed.errors.append(
                ImportProblem(
                    row.row,
                    header,
                    _l(
                        "“%(organisation)s” is also on row %(row)d, with something else in "
                        "this column.",
                        organisation=row.organisation,
                        row=known.first_row,
                    ),
                )
            )
            return
    if row.leg_id is not None:
        if known.leg_id is None:
            known.leg_id = row.leg_id
        elif known.leg_id != row.leg_id:
            parsed.errors.append(
                ImportProblem(
                    row.row,
                    parsed.headers["leg"],
                    _l(
                        "“%(organisation)s” is also on row %(row)d, with something else in "
                        "this column.",
                        organisation=row.organisation,
                        row=known.first_row,
                    ),
                )
            )
    for field_name in ("sectors", "description"):
        value = getattr(row, field_name)
        if not value:
            continue
        if not getattr(known, field_name):
            setattr(known, field_name, value)
        elif getattr(known, field_name) != value:
            parsed.warnings.append(
                ImportProblem(
                    row.row,
                    parsed.headers[field_name],
                    _l(
                        "Ignored: “%(organisation)s” already has another value in this column "
                        "on row %(row)d.",
                        organisation=row.organisation,
                        row=known.first_row,
                    ),
                )
            )


# --- Against the mission: what will be created and what updated ---------------------------------


@dataclass(frozen=True)
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class PreviewRow:
    """One row of the file and what importing it does."""

    values: ParsedRow
    leg_city: str
    first_of_organisation: bool  # its organisation's first row in the file
    organisation_action: str  # "create", "update" or "unchanged"
    organisation_changes: tuple[str, ...]
    person_action: str  # "create", "update", "unchanged" or "" (no person on this row)
    person_changes: tuple[str, ...]


@dataclass
class ImportPreview:
    filename: str
    table: Table | None
    rows: list[PreviewRow] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)
    warnings: list[ImportProblem] = field(default_factory=list)
    organisations: Counts = field(default_factory=Counts)
    people: Counts = field(default_factory=Counts)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class ImportResult:
    organisations: Counts
    people: Counts


class ImportRejected(ValidationFailed):
    """The file has problems: nothing was written. `preview` lists them, row by row."""

    def __init__(self, preview: ImportPreview):
        self.preview = preview
        super().__init__(
            {
                "file": [
                    _l(
                        "Row %(row)s, %(column)s: %(problem)s",
                        row=problem.row or "—",
                        column=problem.column or "—",
                        problem=problem.message,
                    )
                    for problem in preview.errors
                ]
            }
        )


@dataclass
class _OrganisationPlan:
    values: OrganisationValues
    existing: Organisation | None
    changes: dict[str, object]
    target: Organisation | None = None


@dataclass
class _PersonPlan:
    row: ParsedRow
    organisation: _OrganisationPlan
    existing: Person | None
    changes: dict[str, object]


@dataclass
class _Plan:
    parsed: ParsedFile
    organisations: dict[str, _OrganisationPlan]
    people: list[_PersonPlan]
    errors: list[ImportProblem]
    warnings: list[ImportProblem]


def _legs_of(mission: Mission) -> list[LegChoice]:
    return [LegChoice(leg.id, leg.key, leg.city) for leg in mission.legs]


def _read(filename: str, data: bytes, max_bytes: int, legs: Sequence[LegChoice]) -> ParsedFile:
    try:
        table = read_table(filename, data, max_bytes, MAX_ROWS + HEADER_SEARCH_ROWS)
    except ValidationFailed as refused:
        parsed = ParsedFile(None)
        for reasons in refused.errors.values():
            parsed.errors.extend(ImportProblem(None, "", reason) for reason in reasons)
        return parsed
    return parse_participants(table, legs)


def _plan(mission: Mission, parsed: ParsedFile) -> _Plan:
    plan = _Plan(parsed, {}, [], list(parsed.errors), list(parsed.warnings))
    if not parsed.rows:
        return plan
    existing_organisations = db.session.scalars(
        select(Organisation)
        .where(Organisation.mission_id == mission.id)
        .options(selectinload(Organisation.people))
        .order_by(Organisation.id)
    ).all()
    by_name: dict[str, list[Organisation]] = {}
    by_email: dict[str, list[Person]] = {}
    for organisation in existing_organisations:
        by_name.setdefault(fold(organisation.name), []).append(organisation)
        for person in organisation.people:
            if person.email:
                by_email.setdefault(person.email.lower(), []).append(person)

    for key, values in parsed.organisations.items():
        matches = by_name.get(key, [])
        if len(matches) > 1:
            plan.errors.append(
                ImportProblem(
                    values.first_row,
                    parsed.headers["organisation"],
                    _l(
                        "Several organisations of this mission are called “%(organisation)s”; "
                        "rename one of them first.",
                        organisation=values.name,
                    ),
                )
            )
            continue
        existing = matches[0] if matches else None
        if existing is not None and values.side and existing.side != values.side:
            plan.errors.append(
                ImportProblem(
                    values.first_row,
                    parsed.headers.get("side") or parsed.headers["category"],
                    _l(
                        "“%(organisation)s” is already in this mission as %(side)s. If it "
                        "really changes sides, change it on its own page first.",
                        organisation=existing.name,
                        side=SIDE_LABELS[existing.side],
                    ),
                )
            )
            continue
        plan.organisations[key] = _OrganisationPlan(
            values, existing, _organisation_changes(values, existing)
        )

    claimed: dict[int, int] = {}
    for row in parsed.rows:
        organisation_plan = plan.organisations.get(fold(row.organisation))
        if not row.name or organisation_plan is None:
            continue
        existing = _match_person(plan, row, organisation_plan, by_email)
        if existing is not None and existing.id in claimed:
            plan.errors.append(
                ImportProblem(
                    row.row,
                    parsed.headers["name"],
                    _l(
                        "This row and row %(row)d would both update %(name)s.",
                        row=claimed[existing.id],
                        name=existing.name,
                    ),
                )
            )
            continue
        if existing is not None:
            claimed[existing.id] = row.row
        plan.people.append(
            _PersonPlan(
                row, organisation_plan, existing, _person_changes(row, existing, organisation_plan)
            )
        )
    plan.errors.sort(key=lambda problem: problem.row or 0)
    plan.warnings.sort(key=lambda problem: problem.row or 0)
    return plan


def _match_person(
    plan: _Plan,
    row: ParsedRow,
    organisation_plan: _OrganisationPlan,
    by_email: dict[str, list[Person]],
) -> Person | None:
    if row.email and row.email in by_email:
        matches = by_email[row.email]
        if len(matches) > 1:
            plan.errors.append(
                ImportProblem(
                    row.row,
                    plan.parsed.headers["email"],
                    _l(
                        "Several people of this mission have the e-mail %(email)s; correct "
                        "them first.",
                        email=row.email,
                    ),
                )
            )
            return None
        person = matches[0]
        if (
            organisation_plan.existing is None
            or person.organisation_id != organisation_plan.existing.id
        ):
            plan.warnings.append(
                ImportProblem(
                    row.row,
                    plan.parsed.headers["email"],
                    _l(
                        "%(name)s moves from “%(old)s” to “%(new)s” (same e-mail).",
                        name=person.name,
                        old=person.organisation.name,
                        new=organisation_plan.values.name,
                    ),
                )
            )
        return person
    if organisation_plan.existing is not None:
        name = fold(row.name)
        for person in organisation_plan.existing.people:
            if fold(person.name) == name:
                return person
    return None


def _organisation_changes(
    values: OrganisationValues, existing: Organisation | None
) -> dict[str, object]:
    """The attributes to write; for an existing organisation, only those that change.

    Empty cells never erase what is already saved.
    """
    wanted: dict[str, object] = {
        "side": values.side,
        "category": values.category,
        "country": values.country,
    }
    if existing is None:
        wanted["name"] = values.name
    if values.leg_id is not None or existing is None:
        wanted["leg_id"] = values.leg_id
    if values.sectors or existing is None:
        wanted["sectors"] = list(values.sectors)
    if values.description or existing is None:
        wanted["description"] = values.description
    if existing is None:
        return wanted
    return {name: value for name, value in wanted.items() if getattr(existing, name) != value}


def _person_changes(
    row: ParsedRow, existing: Person | None, organisation_plan: _OrganisationPlan
) -> dict[str, object]:
    wanted: dict[str, object] = {}
    if existing is None or (row.email and existing.email == row.email):
        wanted["name"] = row.name
    for name in ("position", "email", "phone"):
        if getattr(row, name) or existing is None:
            wanted[name] = getattr(row, name)
    if row.languages or existing is None:
        wanted["languages"] = list(row.languages)
    if existing is None:
        return wanted
    changes = {name: value for name, value in wanted.items() if getattr(existing, name) != value}
    target = organisation_plan.existing
    if target is None or existing.organisation_id != target.id:
        changes["organisation"] = organisation_plan.values.name
    return changes


def _action(existing, changes: dict) -> str:
    if existing is None:
        return "create"
    return "update" if changes else "unchanged"


def _count(actions: Iterable[str]) -> Counts:
    actions = list(actions)
    return Counts(actions.count("create"), actions.count("update"), actions.count("unchanged"))


def _preview(filename: str, mission: Mission, plan: _Plan) -> ImportPreview:
    preview = ImportPreview(filename, plan.parsed.table, errors=plan.errors, warnings=plan.warnings)
    if plan.errors:
        return preview
    cities = {leg.id: leg.city for leg in mission.legs}
    people = {id(person_plan.row): person_plan for person_plan in plan.people}
    for row in plan.parsed.rows:
        organisation_plan = plan.organisations[fold(row.organisation)]
        person_plan = people.get(id(row))
        leg_id = organisation_plan.values.leg_id
        if leg_id is None and organisation_plan.existing is not None:
            leg_id = organisation_plan.existing.leg_id
        preview.rows.append(
            PreviewRow(
                values=row,
                leg_city=cities.get(leg_id, "") if leg_id else "",
                first_of_organisation=row.row == organisation_plan.values.first_row,
                organisation_action=_action(organisation_plan.existing, organisation_plan.changes),
                organisation_changes=tuple(
                    "leg" if name == "leg_id" else name for name in organisation_plan.changes
                )
                if organisation_plan.existing
                else (),
                person_action=_action(person_plan.existing, person_plan.changes)
                if person_plan
                else "",
                person_changes=tuple(person_plan.changes)
                if person_plan and person_plan.existing
                else (),
            )
        )
    preview.organisations = _count(
        _action(item.existing, item.changes) for item in plan.organisations.values()
    )
    preview.people = _count(_action(item.existing, item.changes) for item in plan.people)
    return preview


def preview_participant_import(
    actor: User, mission: Mission, filename: str, data: bytes, max_bytes: int
) -> ImportPreview:
    """What importing the file would create and update, or every problem in it. Writes nothing."""
    plan = _plan(mission, _read(filename, data, max_bytes, _legs_of(mission)))
    return _preview(filename, mission, plan)


def apply_participant_import(
    actor: User, mission: Mission, filename: str, data: bytes, max_bytes: int
) -> ImportResult:
    """Reads and checks the file again, then writes all of it in one flush, or raises
    ImportRejected and writes nothing."""
    plan = _plan(mission, _read(filename, data, max_bytes, _legs_of(mission)))
    preview = _preview(filename, mission, plan)
    if not preview.ok:
        raise ImportRejected(preview)
    keys = _KeyMaker(mission)
    for organisation_plan in plan.organisations.values():
        organisation = organisation_plan.existing
        if organisation is None:
            organisation = Organisation(
                mission_id=mission.id, key=keys.make(Organisation, organisation_plan.values.name)
            )
            db.session.add(organisation)
        for name, value in organisation_plan.changes.items():
            setattr(organisation, name, value)
        organisation_plan.target = organisation
    for person_plan in plan.people:
        person = person_plan.existing
        if person is None:
            person = Person(mission_id=mission.id, key=keys.make(Person, person_plan.row.name))
            db.session.add(person)
        for name, value in person_plan.changes.items():
            if name != "organisation":
                setattr(person, name, value)
        if person.organisation is not person_plan.organisation.target:
            person.organisation = person_plan.organisation.target
    db.session.flush()
    return ImportResult(preview.organisations, preview.people)


class _KeyMaker:
    """Keys for new objects, unique in the mission, without a query per object."""

    def __init__(self, mission: Mission):
        self.taken = {
            Organisation: set(
                db.session.scalars(
                    select(Organisation.key).where(Organisation.mission_id == mission.id)
                )
            ),
            Person: set(
                db.session.scalars(select(Person.key).where(Person.mission_id == mission.id))
            ),
        }

    def make(self, model, name: str) -> str:
        taken = self.taken[model]
        base = slugify(name)
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        taken.add(key)
        return key


# --- The model file organisers fill in ----------------------------------------------------------

TEMPLATE_FIELDS = (
    "organisation",
    "side",
    "category",
    "country",
    "leg",
    "sectors",
    "description",
    "first_name",
    "name",
    "position",
    "email",
    "phone",
    "languages",
)


def participants_template(mission: Mission, kind: str) -> tuple[bytes, str, str]:
    """A model file with the French headers and two example rows: (bytes, mimetype, filename)."""
    headers = [COLUMN_BY_FIELD[name].headers[0] for name in TEMPLATE_FIELDS]
    host_leg = next((leg for leg in mission.legs if leg.country == "SN"), None)
    with force_locale("fr"):
        sides = [str(SIDE_LABELS[code]) for code in SIDE_LABELS]
        categories = [str(CATEGORY_LABELS[code]) for code in CATEGORY_LABELS]
        example_rows = [
            [
                "Atlas Logiciels",
                str(SIDE_LABELS["delegation"]),
                str(CATEGORY_LABELS["ict_firm"]),
                "Maroc",
                "",
                "Logiciel de gestion, Cloud",
                "Éditeur marocain de progiciels de gestion pour les banques et les assurances.",
                "Salma",
                "Bennani",
                "Directrice générale",
                "s.bennani@atlas-logiciels.example",
                "+212 6 61 23 45 67",
                "Français, Anglais, Arabe",
            ],
            [
                "Banque de la Téranga",
                str(SIDE_LABELS["host"]),
                str(CATEGORY_LABELS["information_systems"]),
                "Sénégal",
                host_leg.city if host_leg else "",
                "Banque",
                "",
                "Mamadou",
                "Diop",
                "Directeur des systèmes d'information",
                "m.diop@banque-teranga.example",
                "+221 77 123 45 67",
                "Français",
            ],
        ]
    if kind == "csv":
        return write_csv(headers, example_rows), "text/csv", "modele-participants.csv"
    data = write_xlsx(
        "Participants",
        headers,
        example_rows,
        choices={headers[1]: sides, headers[2]: categories},
    )
    return (
        data,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "modele-participants.xlsx",
    )
