"""Participants' personal links: finding the person behind a token, revoking, re-issuing."""

from __future__ import annotations

import hmac

from sqlalchemy import select

from mission_app.extensions import db
from mission_app.models import Person, User
from mission_app.models.participants import new_access_token, token_digest
from mission_app.models.types import utcnow
from mission_app.services.errors import NotFound

MAX_TOKEN_LENGTH = 64


def person_for_token(token: str) -> Person:
    """The holder of a live link. The lookup goes by digest and the final comparison takes
    constant time, so that response times reveal nothing about valid tokens."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("link")
    person = db.session.scalar(
        select(Person).where(Person.access_token_digest == token_digest(token))
    )
    if person is None or not hmac.compare_digest(person.access_token or "", token):
        raise NotFound("link")
    return person


def reissue_link(actor: User, person: Person) -> Person:
    """A new personal link; any previous one stops working at once."""
    person.access_token = new_access_token()
    person.token_issued_at = utcnow()
    db.session.flush()
    return person


def revoke_link(actor: User, person: Person) -> Person:
    """No link works for this person until the organiser issues a new one."""
    person.access_token = None
    db.session.flush()
    return person
