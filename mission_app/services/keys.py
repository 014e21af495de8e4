"""Keys: the short, stable names that mission files use to refer to objects."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from mission_app.extensions import db

KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def fold(text: str) -> str:
    """Text for comparing: no accents, no case, single spaces ("Électricité" ~ "electricite")."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.casefold().split())


def slugify(text: str, max_length: int = 40) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].strip("-") or "item"


def unique_key(model, mission_id: int, base: str) -> str:
    """`base` slugified, with -2, -3… appended if the mission already uses it for `model`."""
    slug = slugify(base)
    taken = set(
        db.session.scalars(
            select(model.key).where(model.mission_id == mission_id, model.key.like(f"{slug}%"))
        )
    )
    return free_key(slug, taken)


def free_key(base: str, taken: set[str]) -> str:
    """`base` (at most 64 characters), or `base-2`, `base-3`… if taken; added to `taken`, so
    that keys given out in one batch stay distinct."""
    key, n = base[:64], 2
    while key in taken:
        key, n = f"{base[:58]}-{n}", n + 1
    taken.add(key)
    return key
