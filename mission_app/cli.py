"""Command-line tools: `flask user ...` and `flask mission ...`."""

from __future__ import annotations

import functools
import json

import click
from flask import current_app, url_for
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from mission_app import scheduling
from mission_app.extensions import db
from mission_app.models import Mission, User
from mission_app.services import demo, mission_files
from mission_app.services import scheduling as scheduling_service
from mission_app.services.accounts import create_user, normalise_email
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


def in_default_language(command):
    """Run in the app's default language: no request or user is there to choose one."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return command(*args, **kwargs)

    return run


def _owner(email: str | None) -> User | None:
    if not email:
        return None
    owner = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if owner is None:
        fail_with(ValidationFailed({"--owner": [f"no account for {email}"]}))
    return owner


@mission_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option(
    "--owner",
    metavar="EMAIL",
    help="Account that owns the new mission. Without it, the mission has no member: only "
    "admins see it until one of them adds members.",
)
@in_default_language
def import_mission_command(file: str, owner: str | None) -> None:
    """Create a NEW mission from a mission file (format trade-mission/1).

    The whole file is checked first: on any problem, every problem is printed to stderr with
    its place in the file, the exit status is 1 and nothing is written. Meetings that break a
    scheduling rule (a person booked twice, say) are imported, and each is reported on stderr
    as a warning; the grid shows them as conflicts. On success the last line printed is the new
    mission's id, so that scripts can read it with `tail -n 1`.
    """
    with click.open_file(file, "rb") as handle:
        data = handle.read()
    warnings: list = []
    try:
        mission = mission_files.import_mission_file(_owner(owner), data, schedule_warnings=warnings)
    except ValidationFailed as failure:
        fail_with(failure)
    db.session.commit()
    for path, reason in warnings:
        click.echo(f"warning: {path}: {reason}", err=True)
    counts = mission_files.summarise_mission_contents(mission)
    click.echo(
        f"imported “{mission.title}”: "
        + ", ".join(f"{count} {name}" for name, count in counts.items())
    )
    click.echo(mission.id)


@mission_cli.command("export")
@click.argument("mission_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write; standard output when not given.",
)
@in_default_language
def export_mission_command(mission_id: int, output: str | None) -> None:
    """Write a mission file (format trade-mission/1) for MISSION_ID.

    The file holds the whole mission, meetings included, with every time in UTC. Personal
    access tokens are secrets and are never exported. Exporting twice gives identical bytes.
    """
    mission = db.session.get(Mission, mission_id)
    if mission is None:
        fail_with(ValidationFailed({"MISSION_ID": [f"no mission {mission_id}"]}))
    exported = mission_files.export_mission_file(mission)
    if output:
        with open(output, "wb") as handle:
            handle.write(exported.content)
        click.echo(f"wrote {output} ({len(exported.content)} bytes)", err=True)
    else:
        click.echo(exported.content, nl=False)


@mission_cli.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when any mission exists already.")
@in_default_language
def demo_command(if_empty: bool) -> None:
    """Build the demo mission (Dakar and Nouakchott) and its organiser.

    The demo organiser, organisatrice@demo.example (password mission-demo-2026), is created if
    missing and owns the new mission. The last line printed is the new mission's id.
    """
    mission = demo.load_demo(if_empty=if_empty)
    if mission is None:
        click.echo("a mission exists already: demo not loaded", err=True)
        return
    db.session.commit()
    click.echo(f"demo mission “{mission.title}” created; log in as {demo.DEMO_EMAIL}")
    click.echo(mission.id)


@mission_cli.command("schedule")
@click.argument("mission_id", type=int)
@click.option(
    "--time-limit", type=float, default=30.0, show_default=True, help="Seconds to search."
)
@click.option("--fresh", is_flag=True, help="Ignore where meetings are now; plan from scratch.")
@in_default_language
def schedule_command(mission_id: int, time_limit: float, fresh: bool) -> None:
    """Schedule the mission's meetings in the foreground and save the result.

    Prints one line of JSON with the figures: weighted requests scheduled and the proven bound,
    the smallest firm share, idle gaps, meetings new/moved/cancelled, requests held back
    (their meeting was cancelled by hand), seconds.
    """
    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise click.ClickException(f"no mission {mission_id}")
    proposal = scheduling_service.propose_schedule(
        None, mission, scheduling.SolveOptions(time_limit_s=time_limit, fresh=fresh)
    )
    try:
        changes = scheduling_service.apply_schedule(
            None, mission, list(proposal.solution.assignments)
        )
    except ValidationFailed as failure:
        fail_with(failure)
    db.session.commit()
    figures = proposal.solution.figures
    kinds = [change.kind for change in changes]
    click.echo(
        json.dumps(
            {
                "mission": mission.id,
                "status": figures.status,
                "weight": figures.weight,
                "weight_bound": figures.weight_bound,
                "weight_requested": figures.weight_requested,
                "scheduled": len(proposal.solution.assignments),
                "unscheduled": len(proposal.solution.unscheduled),
                "held_back": len(proposal.held_back),  # cancelled by hand: left off
                "min_share": figures.min_share,
                "idle_gaps": figures.idle_gaps,
                "table_changes": figures.table_changes,
                "new": kinds.count("new"),
                "moved": kinds.count("moved"),
                "cancelled": kinds.count("dropped"),
                "seconds": round(figures.seconds, 2),
            },
            sort_keys=True,
        )
    )


@mission_cli.command("agenda")
@click.argument("mission_id", type=int)
@click.argument("person_key")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["pdf", "ics"]),
    default="pdf",
    show_default=True,
    help="PDF agenda or calendar file.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    help="File to write; standard output when not given.",
)
def agenda_command(mission_id: int, person_key: str, output_format: str, output: str | None):
    """Write the agenda of the person PERSON_KEY (their key in the mission file).

    The same document the participant portal serves, with links built on PUBLIC_BASE_URL.
    The agenda is in the person's language, whatever the language of this shell.
    """
    from mission_app.exporters.ics import agenda_calendar, calendar_name_for
    from mission_app.services import documents
    from mission_app.services.agendas import person_agenda
    from mission_app.services.errors import NotFound
    from mission_app.services.publications import latest_publication

    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise click.ClickException(f"no mission {mission_id}")
    try:
        person = documents.get_person_by_key(mission, person_key)
    except NotFound:
        raise click.ClickException(
            f"no person with key {person_key!r} in mission {mission_id}"
        ) from None
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config["PUBLIC_BASE_URL"]):
        token = person.access_token
        if output_format == "pdf":
            exported = documents.person_agenda_file(
                mission,
                person,
                lambda p: (
                    url_for("portal.show_agenda", token=token, _external=True) if token else None
                ),
                source="published",
            )
        else:
            agenda = person_agenda(mission, person, source="published")
            exported = agenda_calendar(
                agenda,
                calendar_name=calendar_name_for(agenda, "person"),
                feed_url=url_for("portal.person_calendar", token=token, _external=True)
                if token
                else None,
            )
    if output:
        with open(output, "wb") as handle:
            handle.write(exported.content)
        click.echo(f"wrote {output} ({len(exported.content)} bytes)", err=True)
    else:
        click.echo(exported.content, nl=False)
    if latest_publication(mission) is None:
        click.echo(
            f"note: mission {mission_id} has no published version yet, so this agenda holds "
            "no meeting (flask mission publish)",
            err=True,
        )


@mission_cli.command("publish")
@click.argument("mission_id", type=int)
@click.option("--note", default="", help="A note kept with the version (500 characters at most).")
@in_default_language
def publish_command(mission_id: int, note: str) -> None:
    """Publish the schedule of MISSION_ID as a new version, and e-mail it to the people whose
    meetings changed, in the foreground, through the MAIL_* settings.

    Prints one line: the version, its changes, and the e-mails sent, failed, still waiting (the
    SMTP server refused or could not be reached: the huey consumer tries again later) and the
    people without an e-mail address. With nothing changed since the last version, nothing is
    published and no e-mail is sent.
    """
    from mission_app.jobs import send_pending_messages
    from mission_app.services import notifications, publications

    mission = db.session.get(Mission, mission_id)
    if mission is None:
        raise click.ClickException(f"no mission {mission_id}")
    try:
        publication = publications.publish_schedule(mission, None, note=note)
    except ValidationFailed as failure:
        fail_with(failure)
    if publication is None:
        db.session.rollback()
        latest = publications.latest_publication(mission)
        since = f"version {latest.number}" if latest else "the start (no meeting to publish)"
        click.echo(f"mission {mission.id}: nothing changed since {since}; no e-mail sent")
        _explain_waiting(mission)
        return
    notifications.queue_publication_messages(publication)
    db.session.commit()
    send_pending_messages(mission.id, publication_id=publication.id)
    counts = notifications.publication_counts(publication)
    click.echo(
        f"mission {mission.id}: published version {publication.number} "
        f"({len(publication.changes)} changed meetings); e-mails: {counts.sent} sent, "
        f"{counts.failed} failed, {counts.waiting} waiting, "
        f"{counts.no_address} people without an e-mail address"
    )
    _explain_waiting(mission)


def _explain_waiting(mission: Mission) -> None:
    """On standard error: e-mails still waiting, and why, so that a bad MAIL_* setting shows."""
    from mission_app.services import notifications

    waiting, error = notifications.waiting_messages(mission)
    if waiting:
        click.echo(
            f"{waiting} e-mails of mission {mission.id} still waiting; the huey consumer tries "
            f"again later. Last error: {error or 'none yet'}",
            err=True,
        )
