"""Domain errors raised by services; blueprints turn them into pages and form errors."""

from __future__ import annotations


class DomainError(Exception):
    """Base for errors a user can act on."""


class NotFound(DomainError):
    """The object does not exist, or the actor may not know that it exists."""


class PermissionDenied(DomainError):
    """The actor may see the object but not change it."""


class ValidationFailed(DomainError):
    """Input that breaks a rule. `errors` maps a field name ('' for the whole form) to reasons."""

    def __init__(self, errors: dict[str, list[str]] | str):
        if not isinstance(errors, dict):  # one reason for the whole form (str or lazy string)
            errors = {"": [errors]}
        self.errors = errors
        super().__init__(
            "; ".join(
                f"{field or 'form'}: {', '.join(map(str, reasons))}"
                for field, reasons in errors.items()
            )
        )


class LoginThrottled(DomainError):
    def __init__(self, retry_after_seconds: int):
        self.retry_after_seconds = retry_after_seconds
        super().__init__(f"too many failed logins; retry in {retry_after_seconds} s")
