"""Mission files (format trade-mission/1): a mission document written as deterministic JSON.

The same document always gives the same bytes: keys sorted, lists in the order the document
builder chose, UTF-8 with real accents, two-space indent and a final newline, so that two exports
can be compared with diff and a round trip can be checked byte for byte.
"""

from __future__ import annotations

import json

from mission_app.exporters import ExportedFile, filename_slug

FORMAT = "trade-mission/1"
CONTENT_TYPE = "application/json; charset=utf-8"


def render_mission_json(document: dict) -> bytes:
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
    return (text + "\n").encode("utf-8")


def export_mission_json(document: dict) -> ExportedFile:
    title = document.get("mission", {}).get("title", "")
    return ExportedFile(
        content=render_mission_json(document),
        content_type=CONTENT_TYPE,
        filename=f"mission-{filename_slug(title)}.json",
    )
