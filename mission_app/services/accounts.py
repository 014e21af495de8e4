"""Accounts, passwords and login throttling."""

from __future__ import annotations

from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from mission_app.extensions import db
from mission_app.models import LoginAttempt, User
from mission_app.models.types import utcnow
from mission_app.services.errors import LoginThrottled, ValidationFailed

_hasher = PasswordHasher()  # Argon2id with the library's current recommended costs
# Verified against when the e-mail is unknown, so that a miss takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
MIN_PASSWORD_LENGTH = 10
ADDRESS_LIMIT_FACTOR = 10


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(email: str, password: str, *, name: str = "", is_admin: bool = False) -> User:
    email = normalise_email(email)
    errors: dict[str, list[str]] = {}
    if "@" not in email:
        errors["email"] = [_l("“%(email)s” is not an e-mail address.", email=email)]
    elif db.session.scalar(select(User.id).where(User.email == email)) is not None:
        errors["email"] = [_l("An account already exists for %(email)s.", email=email)]
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = [_l("Use at least %(count)d characters.", count=MIN_PASSWORD_LENGTH)]
    if errors:
        raise ValidationFailed(errors)
    user = User(email=email, name=name, password_hash=_hasher.hash(password), is_admin=is_admin)
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(
    email: str,
    password: str,
    *,
    address: str,
    max_failures: int,
    window_seconds: int,
    now: datetime | None = None,
) -> User | None:
    """The user if the password is right; None otherwise, after recording the failure.

    Raises LoginThrottled, without checking the password, once this e-mail has failed
    `max_failures` times from this address within the window, or the address has failed ten
    times as often with any e-mails. Counting per pair keeps one colleague's typos (or a
    stranger's guesses) from locking everyone behind the same office address out.
    """
    now = now or utcnow()
    email = normalise_email(email)
    since = now - timedelta(seconds=window_seconds)
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.attempted_at < since))
    recent = (LoginAttempt.attempted_at >= since, LoginAttempt.address == address)
    for conditions, limit in (
        ((*recent, LoginAttempt.email == email), max_failures),
        (recent, max_failures * ADDRESS_LIMIT_FACTOR),
    ):
        count, oldest = db.session.execute(
            select(func.count(LoginAttempt.id), func.min(LoginAttempt.attempted_at)).where(
                *conditions
            )
        ).one()
        if count >= limit:
            retry = int((oldest + timedelta(seconds=window_seconds) - now).total_seconds()) + 1
            raise LoginThrottled(max(retry, 1))

    user = db.session.scalar(select(User).where(User.email == email))
    if _password_matches(user, password):
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        return user
    db.session.add(LoginAttempt(email=email, address=address, attempted_at=now))
    db.session.flush()
    return None


def _password_matches(user: User | None, password: str) -> bool:
    try:
        if user is None:
            _hasher.verify(_DUMMY_HASH, password)
            return False
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
