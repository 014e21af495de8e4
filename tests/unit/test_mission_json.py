"""The mission JSON exporter and the reading of uploaded bytes: no database needed."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale

from mission_app.exporters import filename_slug
from mission_app.exporters.mission_json import export_mission_json, render_mission_json
from mission_app.services.errors import ValidationFailed
from mission_app.services.mission_files import parse_mission_file


def refusal(data: bytes, **kwargs) -> list[str]:
    """The reasons parse_mission_file gives, in English (outside a request: no user locale)."""
    with force_locale("en"), pytest.raises(ValidationFailed) as caught:
        parse_mission_file(data, **kwargs)
    with force_locale("en"):
        return [str(r) for rs in caught.value.errors.values() for r in rs]


def test_render_mission_json_sorts_keys_keeps_accents_and_ends_with_newline():
    document = {"mission": {"title": "Mission TIC Sénégal – Mauritanie"}, "format": "x"}
    content = render_mission_json(document)
    assert (
        content
        == (
            '{\n  "format": "x",\n  "mission": {\n    "title": "Mission TIC Sénégal – Mauritanie"\n'
            "  }\n}\n"
        ).encode()
    )


def test_render_mission_json_is_identical_whatever_the_key_order():
    first = render_mission_json({"b": [3, 1], "a": {"y": 1, "x": None}})
    second = render_mission_json({"a": {"x": None, "y": 1}, "b": [3, 1]})
    assert first == second


def test_export_mission_json_names_the_file_after_the_title():
    exported = export_mission_json({"mission": {"title": "Mission TIC Sénégal – Mauritanie"}})
    assert exported.filename == "mission-mission-tic-senegal-mauritanie.json"
    assert exported.content_type == "application/json; charset=utf-8"


def test_filename_slug_without_letters_falls_back_to_mission():
    assert filename_slug("«  »") == "mission"


def test_parse_mission_file_reads_utf8_with_or_without_bom(app_ctx):
    text = '{"format": "trade-mission/1", "mission": {"title": "Sénégal"}}'
    assert parse_mission_file(text.encode()) == parse_mission_file(b"\xef\xbb\xbf" + text.encode())


def test_parse_mission_file_invalid_json_gives_line_and_column(app_ctx):
    assert refusal(b'{\n  "format": "trade-mission/1",\n  "legs": [}\n}') == [
        "The file is not valid JSON: a value is expected here (line 3, column 12)."
    ]


def test_parse_mission_file_names_a_missing_comma(app_ctx):
    assert refusal(b'{"format": "trade-mission/1"\n "mission": {}}') == [
        "The file is not valid JSON: a comma is missing (line 2, column 2)."
    ]


def test_parse_mission_file_not_utf8_gives_line_and_column(app_ctx):
    data = '{\n "mission": {"title": "Sénégal"}}'.encode("cp1252")
    assert refusal(data) == [
        "The file is not UTF-8 text (line 2, column 25). Save it as UTF-8 and try again."
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "The file is empty."),
        (b"  \n", "The file is empty."),
        (b"[1, 2]", "A mission file holds one JSON object, with the keys format, mission, legs…"),
        (b'{"a": 1, "a": 2}', 'The file gives the key "a" twice in one object.'),
        (b'{"a": NaN}', "The file is not valid JSON: NaN is not a number JSON allows."),
        (b"[" * 100_000, "The file is nested too deeply to be a mission file."),
    ],
)
def test_parse_mission_file_refuses_what_is_not_a_json_object(app_ctx, data, expected):
    assert refusal(data) == [expected]


def test_parse_mission_file_over_the_limit_is_refused_before_parsing(app_ctx):
    data = json.dumps({"x": "y" * 2_000_000}).encode()
    assert refusal(data, max_bytes=1024 * 1024) == [
        "The file is larger than the limit of 1 MB. A mission file is usually far smaller: "
        "is this the right file?"
    ]
