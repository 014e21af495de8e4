"""Command-line tools: `flask user ...` and `flask mission ...`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from mission_app.extensions import db
from mission_app.services.accounts import create_user
from mission_app.services.errors import ValidationFailed

user_cli = AppGroup("user", help="Manage accounts.")
mission_cli = AppGroup("mission", help="Import, export and build missions.")


def fail_with(failure: ValidationFailed) -> None:
    """Print every reason, one line each, and exit with status 1; nothing was committed."""
    db.session.rollback()
    for field, reasons in failure.errors.items():
        for reason in reasons:
            click.echo(f"error: {field + ': ' if field else ''}{reason}", err=True)
    raise SystemExit(1)


@user_cli.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice(["admin", "user"]),
    default="user",
    show_default=True,
    help="An admin sees and manages every mission.",
)
@click.option("--name", default="", help="Display name.")
@click.password_option(help="Asked for when not given.")
def create_user_command(email: str, role: str, name: str, password: str) -> None:
    """Create an account that can log in to the organiser UI."""
    try:
        user = create_user(email, password, name=name, is_admin=role == "admin")
    except ValidationFailed as failure:
        fail_with(failure)
    db.session.commit()
    click.echo(f"created {role} {user.email} (id {user.id})")
