"""Reading organisers' spreadsheets, checking them, and applying them to a mission."""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from datetime import date

import openpyxl
import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from mission_app.extensions import db
from mission_app.models import Organisation, Person
from mission_app.services.errors import ValidationFailed
from mission_app.services.participant_import import (
    MAX_ROWS,
    ImportRejected,
    LegChoice,
    apply_participant_import,
    fold,
    parse_participants,
    preview_participant_import,
)
from mission_app.services.spreadsheets import OLE_MAGIC, read_table
from tests import factories

LIMIT = 1024 * 1024
HEADER = ["Organisation", "Côté", "Catégorie", "Pays", "Étape", "Nom", "E-mail", "Langues"]


@pytest.fixture
def english(app):
    """Messages read in English, their msgids (for tests without the database)."""
    with app.app_context(), force_locale("en"):
        yield


@pytest.fixture
def english_db(app_ctx):
    """Messages read in English, in the app context of the database fixtures."""
    with force_locale("en"):
        yield


def csv_bytes(rows, encoding="utf-8", separator=";", header=HEADER) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows, header=HEADER, title="Participants") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row_index, row in enumerate([header, *rows] if header else rows, start=1):
        for column_index, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_index, column=column_index)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text, even when it starts with "="
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def parse(data: bytes, filename="participants.csv", legs=()):
    return parse_participants(read_table(filename, data, LIMIT, MAX_ROWS + 10), legs)


def problems(parsed, kind="errors"):
    return [(p.row, str(p.column), str(p.message)) for p in getattr(parsed, kind)]


def refusal(data: bytes, filename="participants.csv", max_bytes=LIMIT) -> str:
    with pytest.raises(ValidationFailed) as caught:
        read_table(filename, data, max_bytes, MAX_ROWS)
    [reason] = caught.value.errors["file"]
    return str(reason)


def one_row(parsed):
    assert problems(parsed) == []
    [row] = parsed.rows
    return row


# --- Reading the file -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, label",
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8 (BOM)"), ("cp1252", "Windows-1252")],
)
def test_read_table_decodes_each_csv_encoding(english, encoding, label):
    data = csv_bytes(
        [["Société Générale Sénégal", "Hôte", "DSI", "SN", "", "Aïssatou Ndiaye"]], encoding
    )
    table = read_table("liste.csv", data, LIMIT, MAX_ROWS)
    assert table.encoding == label
    assert table.rows[0] == (1, tuple(HEADER))
    assert table.rows[1][1][:6] == (
        "Société Générale Sénégal",
        "Hôte",
        "DSI",
        "SN",
        "",
        "Aïssatou Ndiaye",
    )


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_read_table_sniffs_the_separator_from_the_header_line(english, separator):
    data = csv_bytes(
        [["Atlas, Logiciels", "Délégation"]], separator=separator, header=["Organisation", "Côté"]
    )
    table = read_table("liste.csv", data, LIMIT, MAX_ROWS)
    assert table.separator == separator
    assert table.rows[1] == (2, ("Atlas, Logiciels", "Délégation"))


def test_read_table_ignores_separators_inside_quoted_headers(english):
    data = b'Organisation,"Secteurs; divers",Nom\r\nAtlas,"Cloud; ERP",Salma\r\n'
    table = read_table("liste.csv", data, LIMIT, MAX_ROWS)
    assert table.separator == ","
    assert table.rows[1] == (2, ("Atlas", "Cloud; ERP", "Salma"))


def test_read_table_numbers_rows_as_excel_shows_them(english):
    data = b'Organisation;Description\r\n;\r\nAtlas;"deux\r\nlignes"\r\nMedina;x\r\n'
    table = read_table("liste.csv", data, LIMIT, MAX_ROWS)
    assert table.rows == [
        (1, ("Organisation", "Description")),
        (3, ("Atlas", "deux\r\nlignes")),
        (4, ("Medina", "x")),
    ]


def test_read_table_reads_xlsx_cells_as_text(english):
    data = xlsx_bytes(
        [
            ["Atlas", 221771234567, 1.5, date(2026, 5, 12)],
            [None, None, None, None],
            ["  Medina  ", "+221 77", None, True],
        ],
        header=["Organisation", "Téléphone", "Note", "Date"],
    )
    table = read_table("liste.xlsx", data, LIMIT, MAX_ROWS)
    assert (table.kind, table.sheet, table.sheet_count) == ("xlsx", "Participants", 1)
    assert table.rows == [
        (1, ("Organisation", "Téléphone", "Note", "Date")),
        (2, ("Atlas", "221771234567", "1.5", "2026-05-12")),
        (4, ("Medina", "+221 77", "", "1")),
    ]


def test_read_table_reads_the_first_visible_sheet(english):
    workbook = openpyxl.Workbook()
    workbook.active.title = "Brouillon"
    workbook.active.append(["Ignorée"])
    workbook.active.sheet_state = "hidden"
    workbook.create_sheet("Liste").append(["Organisation", "Nom"])
    workbook.create_sheet("Autre")
    workbook.active = 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table("liste.xlsx", buffer.getvalue(), LIMIT, MAX_ROWS)
    assert (table.sheet, table.sheet_count, table.rows) == (
        "Liste",
        2,
        [(1, ("Organisation", "Nom"))],
    )


# --- Headers and values ---------------------------------------------------------------------------


def test_parse_reads_french_headers_and_values(english):
    row = one_row(
        parse(
            csv_bytes(
                [
                    [
                        "Banque de la Téranga",
                        "Hôte",
                        "DSI",
                        "Sénégal",
                        "Dakar",
                        "Mamadou Diop",
                        "M.Diop@Teranga.example",
                        "Français, Anglais",
                    ]
                ]
            ),
            legs=[LegChoice(7, "dakar", "Dakar")],
        )
    )
    assert (row.row, row.organisation, row.side, row.category, row.country, row.leg_id) == (
        2,
        "Banque de la Téranga",
        "host",
        "information_systems",
        "SN",
        7,
    )
    assert (row.name, row.email, row.languages) == (
        "Mamadou Diop",
        "m.diop@teranga.example",
        ("fr", "en"),
    )


def test_parse_reads_english_headers_and_values(english):
    header = [
        "Organization",
        "Side",
        "Category",
        "Country",
        "Leg",
        "Name",
        "Email",
        "Languages",
        "Position",
        "Phone",
        "Sectors",
        "Description",
    ]
    row = one_row(
        parse(
            csv_bytes(
                [
                    [
                        "Nouakchott Data",
                        "host",
                        "IT services company",
                        "Mauritania",
                        "nktt",
                        "Sidi Ould",
                        "sidi@nd.example",
                        "Arabic, French",
                        "CEO",
                        "+222 22 00",
                        "Cloud; Hosting",
                        "A data centre.",
                    ]
                ],
                separator=",",
                header=header,
            ),
            legs=[LegChoice(1, "dakar", "Dakar"), LegChoice(2, "nktt", "Nouakchott")],
        )
    )
    assert (row.side, row.category, row.country, row.leg_id) == ("host", "it_services", "MR", 2)
    assert (row.position, row.phone, row.sectors, row.description) == (
        "CEO",
        "+222 22 00",
        ("Cloud", "Hosting"),
        "A data centre.",
    )
    assert row.languages == ("fr", "ar")


def test_parse_matches_headers_regardless_of_case_accents_and_punctuation(english):
    header = [
        "ORGANISATION",
        "cote",
        "CATÉGORIE",
        "Pays (code ISO)",
        "nom complet",
        "e_mail",
        "Tél.",
        "Fonction *",
    ]
    row = one_row(
        parse(
            csv_bytes(
                [["Atlas", "délégation", "", "ma", "Salma Bennani", "s@a.example", "+212 6", "DG"]],
                header=header,
            )
        )
    )
    assert (
        row.organisation,
        row.side,
        row.country,
        row.name,
        row.email,
        row.phone,
        row.position,
    ) == (
        "Atlas",
        "delegation",
        "MA",
        "Salma Bennani",
        "s@a.example",
        "+212 6",
        "DG",
    )


def test_parse_joins_first_name_and_name(english):
    header = ["Organisation", "Côté", "Pays", "Prénom", "Nom"]
    parsed = parse(
        csv_bytes(
            [
                ["Atlas", "Délégation", "MA", "Salma", "Bennani"],
                ["Atlas", "Délégation", "MA", "", "Karim Alaoui"],
            ],
            header=header,
        )
    )
    assert [row.name for row in parsed.rows] == ["Salma Bennani", "Karim Alaoui"]


def test_parse_finds_the_header_row_below_a_title(english):
    data = xlsx_bytes(
        [
            ["Liste des participants"],
            [],
            ["Organisation", "Côté", "Pays", "Nom"],
            ["Atlas", "Délégation", "MA", "Salma"],
        ],
        header=None,
    )
    row = one_row(parse(data, "liste.xlsx"))
    assert (row.row, row.organisation) == (4, "Atlas")


@pytest.mark.parametrize(
    "side, category, expected",
    [
        ("Délégation", "", ("delegation", "ict_firm")),
        ("", "Entreprise TIC", ("delegation", "ict_firm")),
        ("", "SSII", ("host", "it_services")),
        ("Hôte", "Directeur des achats", ("host", "purchasing")),
        ("host", "purchasing", ("host", "purchasing")),
        ("Hote", "IS director", ("host", "information_systems")),
        ("HÔTE", "distributeur", ("host", "distributor")),
        ("Hôte", "Opérateur TIC", ("host", "operator")),
        ("Hôte", "ESN", ("host", "it_services")),
        ("Hôte", "Institution spécialisée", ("host", "institution")),
    ],
)
def test_parse_reads_side_and_category(english, side, category, expected):
    row = one_row(parse(csv_bytes([["X", side, category, "SN", "", "Awa"]])))
    assert (row.side, row.category) == expected


@pytest.mark.parametrize(
    "value, code",
    [
        ("MA", "MA"),
        ("maroc", "MA"),
        ("Sénégal", "SN"),
        ("SENEGAL", "SN"),
        ("Mauritania", "MR"),
        ("Mauritanie", "MR"),
        ("fr", "FR"),
        ("Côte d’Ivoire", "CI"),
    ],
)
def test_parse_reads_countries_by_code_or_name(english, value, code):
    assert one_row(parse(csv_bytes([["X", "Hôte", "DSI", value, "", "Awa"]]))).country == code


@pytest.mark.parametrize(
    "value, codes",
    [
        ("fr", ("fr",)),
        ("Français, Anglais", ("fr", "en")),
        ("AR/fr", ("fr", "ar")),
        ("arabe et français", ("fr", "ar")),
        ("English; French", ("fr", "en")),
        ("", ()),
    ],
)
def test_parse_reads_languages_by_code_or_name(english, value, codes):
    assert (
        one_row(parse(csv_bytes([["X", "Hôte", "DSI", "SN", "", "Awa", "", value]]))).languages
        == codes
    )


def test_parse_splits_sectors_and_drops_repeats(english):
    header = ["Organisation", "Côté", "Catégorie", "Pays", "Secteurs", "Nom"]
    row = one_row(
        parse(
            csv_bytes([["X", "Hôte", "DSI", "SN", "Banque; Cloud , Banque,,", ""]], header=header)
        )
    )
    assert row.sectors == ("Banque", "Cloud")
    assert row.name == ""


# --- Refused files, with their messages ---------------------------------------------------------

HOSTS = (
    "Purchasing director, IS director, IT services company, Distributor, Specialised "
    "institution, ICT operator."
)
NOT_UTF8_NOR_1252 = (
    "The file is neither in UTF-8 nor in Windows-1252. In Excel, save it as “CSV UTF-8 (comma "
    "delimited)” and import it again."
)


def test_utf16_file_is_refused(english):
    data = csv_bytes([["Atlas", "Délégation"]]).decode().encode("utf-16")
    assert refusal(data) == (
        "The file is in UTF-16 (Excel's “Unicode text”), neither in UTF-8 nor in Windows-1252. "
        "In Excel, save it as “CSV UTF-8 (comma delimited)” and import it again."
    )


def test_file_in_neither_utf8_nor_windows_1252_is_refused(english):
    assert refusal(b"Organisation;Pays\r\nAtlas\x81\x8d;MA\r\n") == NOT_UTF8_NOR_1252
    assert refusal(codecs.BOM_UTF8 + b"Organisation\xe9;Pays\r\n") == NOT_UTF8_NOR_1252


def test_binary_file_named_csv_is_refused(english):
    expected = "This is not a CSV file: it contains binary data. Choose a .csv or .xlsx file."
    assert refusal(b"Organisation\x00\x01\x02") == expected
    assert refusal(b"\x89PNG\r\n\x1a\n\x03\x04") == expected


def test_old_excel_file_is_refused(english):
    expected = (
        "Old Excel files (.xls) cannot be read. In Excel, save the file as “Excel Workbook "
        "(.xlsx)” or as CSV, then import it again."
    )
    assert refusal(OLE_MAGIC + b"\x00" * 100, "liste.xls") == expected
    assert refusal(OLE_MAGIC + b"\x00" * 100, "liste.csv") == expected


def test_password_protected_workbook_is_refused(english):
    assert refusal(OLE_MAGIC + b"\x00" * 100, "liste.xlsx") == (
        "This workbook is protected by a password. Remove the protection in Excel, save it and "
        "import it again."
    )


@pytest.mark.parametrize(
    "data", [b"PK\x03\x04not really a zip", b"just text", b"PK\x05\x06" + b"\x00" * 18]
)
def test_damaged_workbook_is_refused(english, data):
    assert refusal(data, "liste.xlsx") == (
        "This file cannot be read as an Excel workbook (.xlsx): it may be damaged. Open it in "
        "Excel, save it again as .xlsx and import it again."
    )


def test_other_file_types_are_refused(english):
    assert refusal(b"%PDF-1.7", "liste.pdf") == (
        "Only .csv and .xlsx files can be imported; “liste.pdf” is neither."
    )


def test_file_over_the_size_limit_is_refused(english):
    assert refusal(b"a" * 2048, max_bytes=1024) == (
        "The file is 2 KB; the limit is 1 KB. Split it into several files."
    )
    assert refusal(b"a" * (6 * 1024 * 1024 + 1), max_bytes=5 * 1024 * 1024) == (
        "The file is 6 MB; the limit is 5 MB. Split it into several files."
    )


@pytest.mark.parametrize("data", [b"", b"\r\n;;;\r\n\r\n", codecs.BOM_UTF8])
def test_empty_file_is_refused(english, data):
    if not data:
        assert refusal(data) == "The file is empty."
    else:
        assert problems(parse(data)) == [(None, "", "The file is empty.")]


def test_file_with_only_headers_is_refused(english):
    assert problems(parse(csv_bytes([]))) == [
        (None, "", "The file has a header row but no data rows.")
    ]
    assert problems(parse(xlsx_bytes([]), "liste.xlsx")) == [
        (None, "", "The file has a header row but no data rows.")
    ]


def test_file_with_too_many_rows_is_refused(english):
    rows = [[f"Org {n}", "Hôte", "DSI", "SN", "", f"P {n}"] for n in range(MAX_ROWS + 1)]
    assert problems(parse(csv_bytes(rows))) == [
        (None, "", "The file has more than 5,000 rows; split it into several files.")
    ]
    assert problems(parse(csv_bytes(rows[:MAX_ROWS]))) == []


def test_missing_columns_are_named_with_the_columns_found(english):
    parsed = parse(csv_bytes([["Atlas", "MA", "DG"]], header=["Organisation", "Pays", "Fonction"]))
    assert problems(parsed) == [
        (
            1,
            "Side",
            "Missing column “Side” (also accepted: Côté, Side). "
            "Columns found: Organisation, Pays, Fonction.",
        ),
        (
            1,
            "Name",
            "Missing column “Name” (also accepted: Nom, Nom complet, Nom et prénom, Prénom et nom, "
            "Contact, Participant, Name, Full name, Last name). "
            "Columns found: Organisation, Pays, Fonction.",
        ),
    ]
    assert parsed.rows == []


def test_category_column_stands_for_a_missing_side_column(english):
    header = ["Organisation", "Catégorie", "Pays", "Nom"]
    row = one_row(parse(csv_bytes([["Atlas", "Entreprise TIC", "MA", "Salma"]], header=header)))
    assert row.side == "delegation"


def test_two_columns_for_the_same_information_are_refused(english):
    header = ["Organisation", "Côté", "Pays", "Nom", "E-mail", "Courriel"]
    assert problems(
        parse(csv_bytes([["Atlas", "Délégation", "MA", "Salma", "a@b.c", "d@e.f"]], header=header))
    ) == [
        (
            1,
            "Courriel",
            "The columns “E-mail” and “Courriel” hold the same information; keep only one.",
        )
    ]


def test_the_same_email_twice_is_refused(english):
    parsed = parse(
        csv_bytes(
            [
                ["Atlas", "Délégation", "", "MA", "", "Salma", "s@atlas.example"],
                ["Medina", "Délégation", "", "MA", "", "Karim", "S@Atlas.example"],
            ]
        )
    )
    assert problems(parsed) == [(3, "E-mail", "The e-mail s@atlas.example is already on row 2.")]


def test_the_same_person_twice_in_one_organisation_is_refused(english):
    rows = [
        ["Atlas", "Délégation", "", "MA", "", "Salma Bennani"],
        ["ATLAS", "Délégation", "", "MA", "", "salma  bennani"],
    ]
    assert problems(parse(csv_bytes(rows))) == [
        (3, "Nom", "salma bennani of ATLAS is already on row 2.")
    ]


@pytest.mark.parametrize(
    "second, column",
    [
        (["Atlas", "Délégation", "", "SN", "", "Karim"], "Pays"),
        (["Atlas", "Hôte", "DSI", "MA", "", "Karim"], "Côté"),
        (["Atlas", "Hôte", "SSII", "MA", "", "Karim"], "Côté"),
    ],
)
def test_one_organisation_with_conflicting_values_is_refused(english, second, column):
    rows = [["Atlas", "Délégation", "", "MA", "", "Salma"], second]
    assert problems(parse(csv_bytes(rows))) == [
        (3, column, "“Atlas” is also on row 2, with something else in this column.")
    ]


def test_one_host_with_two_categories_or_legs_is_refused(english):
    legs = [LegChoice(1, "dakar", "Dakar"), LegChoice(2, "nktt", "Nouakchott")]
    rows = [
        ["Sonatel", "Hôte", "DSI", "SN", "Dakar", "Awa"],
        ["Sonatel", "Hôte", "SSII", "SN", "", "Ali"],
        ["Sonatel", "Hôte", "DSI", "SN", "Nouakchott", "Ba"],
    ]
    assert problems(parse(csv_bytes(rows), legs=legs)) == [
        (3, "Catégorie", "“Sonatel” is also on row 2, with something else in this column."),
        (4, "Étape", "“Sonatel” is also on row 2, with something else in this column."),
    ]


@pytest.mark.parametrize(
    "row, expected",
    [
        (
            ["X", "Invité", "", "SN", "", "Awa"],
            ("Côté", "Unknown side “Invité”: write Delegation / Host."),
        ),
        (
            ["X", "Hôte", "Ministère", "SN", "", "Awa"],
            (
                "Catégorie",
                "Unknown category “Ministère”: write one of ICT firm, " + HOSTS,
            ),
        ),
        (
            ["X", "Hôte", "DSI", "Mars", "", "Awa"],
            (
                "Pays",
                "Unknown country “Mars”: write its two-letter code (MA, SN, MR…) or its name.",
            ),
        ),
        (
            ["X", "Hôte", "DSI", "SN", "Thiès", "Awa"],
            ("Étape", "Unknown leg “Thiès”: this mission's legs are Dakar, Nouakchott."),
        ),
        (
            ["X", "Hôte", "DSI", "SN", "", "Awa", "", "Wolof"],
            (
                "Langues",
                "Unknown language “Wolof”: write fr, en or ar, or the language's name "
                "(Français, Anglais, Arabe).",
            ),
        ),
        (
            ["X", "Hôte", "DSI", "SN", "", "Awa", "awa@"],
            ("E-mail", "“awa@” is not an e-mail address."),
        ),
        (["", "Hôte", "DSI", "SN", "", "Awa"], ("Organisation", "This cell cannot be empty.")),
        (["X", "Hôte", "DSI", "", "", "Awa"], ("Pays", "This cell cannot be empty.")),
        (
            ["X", "", "", "SN", "", "Awa"],
            ("Côté", "This cell cannot be empty: write Delegation / Host, or give the category."),
        ),
        (
            ["X", "Hôte", "", "SN", "", "Awa"],
            (
                "Catégorie",
                "Give the category of this host: one of " + HOSTS,
            ),
        ),
        (
            ["X", "Délégation", "DSI", "MA", "", "Awa"],
            ("Catégorie", "A delegation firm is an ICT firm; “DSI” is a host category."),
        ),
        (
            ["X", "Hôte", "Entreprise TIC", "SN", "", "Awa"],
            (
                "Catégorie",
                "A host cannot be “Entreprise TIC”; a host is one of " + HOSTS,
            ),
        ),
        (
            ["X" * 201, "Hôte", "DSI", "SN", "", "Awa"],
            ("Organisation", "Too long: at most 200 characters."),
        ),
        (
            ["X", "Hôte", "DSI", "SN", "", "", "awa@x.example"],
            (
                "Nom",
                "This row has a person's details but no name. Give the name, or empty the "
                "row's person columns.",
            ),
        ),
    ],
)
def test_wrong_cells_are_named_by_row_and_column(english, row, expected):
    legs = [LegChoice(1, "dakar", "Dakar"), LegChoice(2, "nktt", "Nouakchott")]
    assert problems(parse(csv_bytes([["Ok", "Hôte", "DSI", "SN", "", "Ok"], row]), legs=legs)) == [
        (3, *expected)
    ]


def test_unknown_leg_when_the_mission_has_none(english):
    assert problems(parse(csv_bytes([["X", "Hôte", "DSI", "SN", "Dakar", "Awa"]]))) == [
        (
            2,
            "Étape",
            "Unknown leg “Dakar”: this mission has no leg yet. Add the legs first, or leave "
            "this cell empty.",
        )
    ]


def test_every_problem_of_the_file_is_listed_at_once(english):
    rows = [
        ["Orange", "Hôte", "Opérateur", "SN", "", "Awa", "awa@"],
        ["Orange", "Hôte", "Opérateur", "MR", "", "Ali", "ali@o.example"],
        ["Expresso", "", "", "SN", "", "Ba", "ali@o.example"],
    ]
    assert problems(parse(csv_bytes(rows))) == [
        (2, "E-mail", "“awa@” is not an e-mail address."),
        (3, "Pays", "“Orange” is also on row 2, with something else in this column."),
        (4, "Côté", "This cell cannot be empty: write Delegation / Host, or give the category."),
        (4, "E-mail", "The e-mail ali@o.example is already on row 3."),
    ]


def test_notes_that_do_not_stop_the_import(english):
    header = [*HEADER, "Description", "Remarques"]
    rows = [
        ["Atlas", "Délégation", "", "MA", "Casablanca", "Salma", "", "", "Éditeur", "VIP"],
        ["Atlas", "Délégation", "", "MA", "", "Karim", "", "", "Intégrateur", ""],
    ]
    parsed = parse(csv_bytes(rows, header=header), legs=[LegChoice(1, "dakar", "Dakar")])
    assert problems(parsed) == []
    assert problems(parsed, "warnings") == [
        (1, "", "Columns ignored: Remarques."),
        (2, "Étape", "“Casablanca” is ignored: delegation firms travel to every leg."),
        (3, "Description", "Ignored: “Atlas” already has another value in this column on row 2."),
    ]
    assert parsed.rows[0].leg_id is None


# --- Property-based: what is written comes back the same ------------------------------------------

CP1252_TEXT = (
    st.text(
        st.characters(codec="cp1252", categories=("L", "N", "P", "S", "Zs")),
        min_size=1,
        max_size=30,
    )
    .map(lambda text: unicodedata.normalize("NFC", " ".join(text.split())))
    .filter(bool)
)
EMAIL = st.from_regex(
    r"[a-z][a-z0-9]{0,8}(\.[a-z0-9]{1,5})?@[a-z]{1,8}\.(org|example|sn)", fullmatch=True
)
PARTICIPANT = st.fixed_dictionaries(
    {
        "organisation": CP1252_TEXT,
        "kind": st.sampled_from(
            [
                ("Délégation", "", "delegation", "ict_firm"),
                ("Hôte", "DSI", "host", "information_systems"),
                ("host", "Distributor", "host", "distributor"),
                ("", "SSII", "host", "it_services"),
            ]
        ),
        "country": st.sampled_from(
            [("MA", "MA"), ("Sénégal", "SN"), ("Mauritanie", "MR"), ("senegal", "SN")]
        ),
        "name": CP1252_TEXT,
        "position": st.one_of(st.just(""), CP1252_TEXT),
        "email": st.one_of(st.just(""), EMAIL),
        "phone": st.from_regex(r"(\+[0-9]{3} )?[0-9]{2}( [0-9]{2,3}){0,3}", fullmatch=True),
    }
)
PARTICIPANTS = st.lists(
    PARTICIPANT,
    min_size=1,
    max_size=8,
    unique_by=(
        lambda p: fold(p["organisation"]),  # the importer takes Ò and O for the same name
        lambda p: p["email"] or id(p),
    ),
)
ROUND_TRIP_HEADER = [
    "Organisation",
    "Côté",
    "Catégorie",
    "Pays",
    "Nom",
    "Fonction",
    "E-mail",
    "Téléphone",
]


def _cells(participant) -> list[str]:
    side, category, _, _ = participant["kind"]
    return [
        participant["organisation"],
        side,
        category,
        participant["country"][0],
        participant["name"],
        participant["position"],
        participant["email"],
        participant["phone"],
    ]


def _expected(participant) -> tuple:
    _, _, side, category = participant["kind"]
    return (
        participant["organisation"],
        side,
        category,
        participant["country"][1],
        participant["name"],
        participant["position"],
        participant["email"],
        participant["phone"],
    )


def _got(row) -> tuple:
    return (
        row.organisation,
        row.side,
        row.category,
        row.country,
        row.name,
        row.position,
        row.email,
        row.phone,
    )


@settings(max_examples=60, deadline=None)
@given(PARTICIPANTS, st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]), st.sampled_from([",", ";"]))
def test_any_valid_rows_written_as_csv_parse_back_the_same(app, participants, encoding, separator):
    data = csv_bytes([_cells(p) for p in participants], encoding, separator, ROUND_TRIP_HEADER)
    with app.app_context(), force_locale("en"):
        parsed = parse(data)
        assert problems(parsed) == []
    assert [_got(row) for row in parsed.rows] == [_expected(p) for p in participants]
    assert [row.row for row in parsed.rows] == list(range(2, len(participants) + 2))


@settings(max_examples=30, deadline=None)
@given(PARTICIPANTS)
def test_any_valid_rows_written_as_xlsx_parse_back_the_same(app, participants):
    data = xlsx_bytes([_cells(p) for p in participants], header=ROUND_TRIP_HEADER)
    with app.app_context(), force_locale("en"):
        parsed = parse(data, "liste.xlsx")
        assert problems(parsed) == []
    assert [_got(row) for row in parsed.rows] == [_expected(p) for p in participants]


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000), st.sampled_from(["a.csv", "a.xlsx", "a.txt", "a.xls", "a"]))
def test_arbitrary_bytes_raise_nothing_but_the_domain_error(app, data, filename):
    with app.app_context(), force_locale("en"):
        try:
            parse(data, filename)
        except ValidationFailed as refused:
            assert [str(reason) for reason in refused.errors["file"]]


VALID_WORKBOOK = xlsx_bytes([["Atlas", "Délégation", "", "MA", "", "Salma", "s@a.example", "fr"]])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(VALID_WORKBOOK) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=20,
    )
)
def test_damaged_workbooks_raise_nothing_but_the_domain_error(app, damage):
    data = bytearray(VALID_WORKBOOK)
    for position, value in damage:
        data[position] = value
    with app.app_context(), force_locale("en"):
        try:
            parse(bytes(data), "liste.xlsx")
        except ValidationFailed as refused:
            assert [str(reason) for reason in refused.errors["file"]]


# --- Against a mission: matching, writing, writing nothing ---------------------------------------

CSV_HEADER = [
    "Organisation",
    "Côté",
    "Catégorie",
    "Pays",
    "Étape",
    "Secteurs",
    "Description",
    "Nom",
    "Fonction",
    "E-mail",
    "Langues",
]


def import_bytes(*rows) -> bytes:
    return csv_bytes(rows, header=CSV_HEADER)


def preview(mission, data):
    return preview_participant_import(None, mission, "liste.csv", data, LIMIT)


def apply(mission, data):
    result = apply_participant_import(None, mission, "liste.csv", data, LIMIT)
    db.session.commit()
    return result


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def counts(result) -> tuple:
    return (
        tuple(vars(result.organisations).values()),
        tuple(vars(result.people).values()),
    )


def test_apply_creates_organisations_and_people_with_unique_keys(mission):
    factories.OrganisationFactory(mission=mission, key="atlas-logiciels", name="Atlas Groupe")
    factories.PersonFactory(organisation__mission=mission, key="salma-bennani", name="Autre Salma")
    leg = factories.LegFactory(mission=mission, key="dkr", city="Dakar")
    result = apply(
        mission,
        import_bytes(
            [
                "Atlas Logiciels",
                "Délégation",
                "",
                "MA",
                "",
                "Cloud",
                "Éditeur",
                "Salma Bennani",
                "DG",
                "s@atlas.example",
                "fr, en",
            ],
            ["Banque de la Téranga", "Hôte", "DSI", "SN", "dkr", "", "", "", "", "", ""],
        ),
    )
    assert counts(result) == ((2, 0, 0), (1, 0, 0))
    atlas = db.session.scalar(select(Organisation).where(Organisation.name == "Atlas Logiciels"))
    assert (
        atlas.key,
        atlas.side,
        atlas.category,
        atlas.country,
        atlas.sectors,
        atlas.description,
    ) == (
        "atlas-logiciels-2",
        "delegation",
        "ict_firm",
        "MA",
        ["Cloud"],
        "Éditeur",
    )
    [salma] = atlas.people
    assert (salma.key, salma.position, salma.email, salma.languages, salma.mission_id) == (
        "salma-bennani-2",
        "DG",
        "s@atlas.example",
        ["fr", "en"],
        mission.id,
    )
    assert len(salma.access_token) == 32
    bank = db.session.scalar(select(Organisation).where(Organisation.key == "banque-de-la-teranga"))
    assert (bank.leg_id, bank.people) == (leg.id, [])


def test_apply_updates_the_organisation_of_the_same_name_ignoring_case_and_accents(mission):
    bank = factories.OrganisationFactory(
        mission=mission, name="Banque de la Téranga", host=True, sectors=["Banque"]
    )
    result = apply(
        mission,
        import_bytes(
            ["  BANQUE DE LA  TERANGA ", "Hôte", "SSII", "Sénégal", "", "", "", "", "", "", ""]
        ),
    )
    assert counts(result) == ((0, 1, 0), (0, 0, 0))
    assert count(Organisation) == 1
    assert (bank.name, bank.category, bank.sectors) == (
        "Banque de la Téranga",
        "it_services",
        ["Banque"],
    )


def test_apply_matches_people_by_email_then_by_name(mission):
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas")
    by_email = factories.PersonFactory(
        organisation=atlas, name="S. Bennani", email="s@atlas.example", position="DG"
    )
    by_name = factories.PersonFactory(
        organisation=atlas, name="Karim Alaoui", email="", position=""
    )
    result = apply(
        mission,
        import_bytes(
            [
                "Atlas",
                "Délégation",
                "",
                "MA",
                "",
                "",
                "",
                "Salma Bennani",
                "",
                "S@ATLAS.example",
                "",
            ],
            [
                "Atlas",
                "Délégation",
                "",
                "MA",
                "",
                "",
                "",
                "karim alaoui",
                "CTO",
                "k@atlas.example",
                "",
            ],
        ),
    )
    assert counts(result) == ((0, 0, 1), (0, 2, 0))
    assert count(Person) == 2
    assert (by_email.name, by_email.position) == ("Salma Bennani", "DG")
    assert (by_name.name, by_name.position, by_name.email) == (
        "Karim Alaoui",
        "CTO",
        "k@atlas.example",
    )


def test_reimporting_the_same_file_changes_nothing(mission):
    data = import_bytes(
        [
            "Atlas",
            "Délégation",
            "",
            "MA",
            "",
            "Cloud, ERP",
            "Éditeur",
            "Salma",
            "DG",
            "s@a.example",
            "fr",
        ]
    )
    apply(mission, data)
    assert counts(apply(mission, data)) == ((0, 0, 1), (0, 0, 1))
    assert (count(Organisation), count(Person)) == (1, 1)


def test_empty_cells_never_erase_saved_values(mission):
    leg = factories.LegFactory(mission=mission, city="Dakar")
    bank = factories.OrganisationFactory(
        mission=mission,
        name="Banque",
        host=True,
        leg=leg,
        sectors=["Banque"],
        description="Grande banque",
    )
    diop = factories.PersonFactory(
        organisation=bank, name="Diop", position="DSI", phone="+221", languages=["fr"]
    )
    result = apply(
        mission, import_bytes(["Banque", "Hôte", "DSI", "SN", "", "", "", "Diop", "", "", ""])
    )
    assert counts(result) == ((0, 0, 1), (0, 0, 1))
    assert (bank.leg_id, bank.sectors, bank.description) == (leg.id, ["Banque"], "Grande banque")
    assert (diop.position, diop.phone, diop.languages) == ("DSI", "+221", ["fr"])


def test_a_person_found_by_email_moves_to_the_organisation_of_the_row(english_db, mission):
    old = factories.OrganisationFactory(mission=mission, name="Ancienne")
    salma = factories.PersonFactory(organisation=old, name="Salma", email="s@a.example")
    data = import_bytes(
        ["Nouvelle", "Délégation", "", "MA", "", "", "", "Salma", "", "s@a.example", ""]
    )
    page = preview(mission, data)
    assert problems(page, "warnings") == [
        (2, "E-mail", "Salma moves from “Ancienne” to “Nouvelle” (same e-mail).")
    ]
    assert [
        (row.organisation_action, row.person_action, row.person_changes) for row in page.rows
    ] == [("create", "update", ("organisation",))]
    apply(mission, data)
    assert salma.organisation.name == "Nouvelle"
    assert old.people == []


def test_preview_refuses_to_change_the_side_of_an_organisation(english_db, mission):
    factories.OrganisationFactory(mission=mission, name="Atlas")
    page = preview(
        mission, import_bytes(["atlas", "Hôte", "DSI", "SN", "", "", "", "", "", "", ""])
    )
    assert problems(page) == [
        (
            2,
            "Côté",
            "“Atlas” is already in this mission as Delegation. If it really changes sides, "
            "change it on its own page first.",
        )
    ]


def test_preview_refuses_two_rows_updating_the_same_person(english_db, mission):
    atlas = factories.OrganisationFactory(mission=mission, name="Atlas")
    factories.PersonFactory(organisation=atlas, name="Salma", email="s@a.example")
    page = preview(
        mission,
        import_bytes(
            ["Atlas", "Délégation", "", "MA", "", "", "", "Salma", "", "autre@a.example", ""],
            ["Atlas", "Délégation", "", "MA", "", "", "", "Karim", "", "s@a.example", ""],
        ),
    )
    assert problems(page) == [(3, "Nom", "This row and row 2 would both update Salma.")]


def test_preview_refuses_names_that_the_mission_has_twice(english_db, mission):
    factories.OrganisationFactory(mission=mission, name="Atlas")
    factories.OrganisationFactory(mission=mission, name="ATLAS")
    page = preview(
        mission, import_bytes(["Atlas", "Délégation", "", "MA", "", "", "", "", "", "", ""])
    )
    assert problems(page) == [
        (
            2,
            "Organisation",
            "Several organisations of this mission are called “Atlas”; rename one of them first.",
        )
    ]


def test_preview_writes_nothing(mission):
    preview(
        mission, import_bytes(["Atlas", "Délégation", "", "MA", "", "", "", "Salma", "", "", ""])
    )
    assert (list(db.session.new), list(db.session.dirty)) == ([], [])
    db.session.commit()
    assert count(Organisation) == 0


def test_apply_of_a_file_with_any_error_writes_nothing(english_db, mission):
    data = import_bytes(
        ["Atlas", "Délégation", "", "MA", "", "", "", "Salma", "", "", ""],
        ["Medina", "Délégation", "", "Mars", "", "", "", "Karim", "", "", ""],
    )
    with pytest.raises(ImportRejected) as rejected:
        apply_participant_import(None, mission, "liste.csv", data, LIMIT)
    assert [str(reason) for reason in rejected.value.errors["file"]] == [
        "Row 3, Pays: Unknown country “Mars”: write its two-letter code (MA, SN, MR…) or its name."
    ]
    db.session.commit()
    assert (count(Organisation), count(Person)) == (0, 0)


def test_apply_writes_everything_in_one_flush(mission):
    flushes = []

    def count_flush(session, context):
        flushes.append(1)

    event.listen(db.session, "after_flush", count_flush)
    try:
        apply_participant_import(
            None,
            mission,
            "liste.csv",
            import_bytes(
                *[
                    [
                        f"Org {n}",
                        "Hôte",
                        "DSI",
                        "SN",
                        "",
                        "",
                        "",
                        f"P {n}",
                        "",
                        f"p{n}@x.example",
                        "",
                    ]
                    for n in range(30)
                ]
            ),
            LIMIT,
        )
    finally:
        event.remove(db.session, "after_flush", count_flush)
    assert len(flushes) == 1
    assert count(Person) == 30


def _statements_to_preview(mission, size: int) -> int:
    for n in range(size):
        organisation = factories.OrganisationFactory(mission=mission, name=f"Org {n}", host=True)
        factories.PersonFactory(organisation=organisation, email=f"p{n}@x.example")
    db.session.commit()
    rows = [
        [f"Org {n}", "Hôte", "DSI", "SN", "", "", "", f"New {n}", "", f"n{n}@x.example", ""]
        for n in range(size)
    ]
    data = import_bytes(*rows)
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        preview(mission, data)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(statements)


def test_preview_queries_do_not_grow_with_the_mission(app_ctx):
    small = _statements_to_preview(factories.MissionFactory(), 3)
    large = _statements_to_preview(factories.MissionFactory(), 60)
    assert small == large
