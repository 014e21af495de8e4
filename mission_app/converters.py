"""Ids in URLs: a number too large for the database's id columns is no id at all (404, or no
filter for a query parameter), instead of an error deep in the database driver (OverflowError
on SQLite above 64 bits, "integer out of range" on PostgreSQL above 32 bits)."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are INTEGER columns: the largest PostgreSQL INTEGER


class IdConverter(IntegerConverter):
    """`<int:...>` bounded to what the database can hold: a larger number does not match."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own argument name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(value: str) -> int:
    """For `request.args.get(name, type=id_arg)`: an id, or ValueError (the argument is then
    taken as absent)."""
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(value)
    return number
