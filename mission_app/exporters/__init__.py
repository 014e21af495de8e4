"""Exporters: plain data in, bytes out. Only pdf.py renders templates; none touches the database."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class ExportedFile:
    """What a view sends as a download, or the CLI writes to a file."""

    content: bytes
    content_type: str
    filename: str


def filename_slug(text: str, max_length: int = 60) -> str:
    """ASCII, lowercase and dashes: safe in a Content-Disposition header on every system."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "mission"
