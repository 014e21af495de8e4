"""Telling participants that a publication changed their agenda: the outbox.

Publishing writes one `OutboundMessage` per affected person (`queue_publication_messages`), in
the same transaction as the publication. Sending happens later, in the job queue or in the
foreground for the command line (mission_app/jobs.py, `send_pending_messages`), one message at
a time, each step committed by that edge:

1. `claim_message`: one conditional UPDATE moves the message from pending to sending. Two
   workers may race for the same message; exactly one UPDATE matches, and only its worker
   sends. The claim is a lease: `next_attempt_at` holds the time after which a message still
   "sending" (its worker died) goes back to pending (`release_stale_messages`).
2. `build_message`: the exact bytes, built once and kept in `raw`, so that a retry sends the
   same message with the same Message-ID. Unless the person's address changed since (a typo
   corrected after a refusal): then the claim, or "Retry failed", takes the new address and
   the message is built again, with a new Message-ID (`follow_current_address`).
3. `SmtpTransport.send`, then `record_sent`, or `record_failure`: back to pending with a
   growing delay, or failed for good after MAIL_MAX_ATTEMPTS attempts or a permanent (5xx)
   refusal.

A person affected by a publication who has no e-mail address gets a message row too, failed at
once with `NO_ADDRESS` as its error and no recipient, so that the outbox lists them and the
organisers know to print their agenda. "Retry failed" sends it once the person has an address.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.utils import parseaddr

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import selectinload

from mission_app.exporters import ExportedFile
from mission_app.exporters import ics as ics_exporter
from mission_app.exporters import mail as mail_exporter
from mission_app.exporters import pdf as pdf_exporter
from mission_app.extensions import db
from mission_app.models import (
    Leg,
    Mission,
    OutboundMessage,
    Person,
    Publication,
    PublicationChange,
    User,
)
from mission_app.services import agendas, publications
from mission_app.services.agendas import MeetingState, person_locale
from mission_app.services.errors import NotFound

NO_ADDRESS = "no e-mail address"
INTERRUPTED = "interrupted while sending"  # the outbox page words it for organisers
# Waits before the 2nd, 3rd... attempt; the last one repeats.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
)
# A message claimed longer ago than this, and still "sending", was left by a worker that died.
SENDING_LEASE = timedelta(minutes=10)
ERROR_MAX_LENGTH = 1000
SUBJECT_MAX_LENGTH = 300

# The portal link of a person, or None when their link is revoked; built by the caller, which
# knows the site's public address.
PortalUrl = Callable[[Person], "str | None"]


# ----- settings and transport --------------------------------------------------------------------


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    use_tls: bool  # STARTTLS
    username: str
    password: str
    sender: str  # "Name <address>" or an address
    timeout: float
    max_attempts: int
    use_ssl: bool = False  # TLS from the first byte (port 465)
    ca_file: str | None = None  # authorities to check the server against (default: the system's)

    @classmethod
    def from_config(cls, config) -> MailSettings:
        return cls(
            server=config["MAIL_SERVER"],
            port=int(config["MAIL_PORT"]),
            use_tls=bool(config["MAIL_USE_TLS"]),
            username=config["MAIL_USERNAME"] or "",
            password=config["MAIL_PASSWORD"] or "",
            sender=config["MAIL_DEFAULT_SENDER"],
            timeout=float(config["MAIL_TIMEOUT_SECONDS"]),
            max_attempts=max(1, int(config["MAIL_MAX_ATTEMPTS"])),
            use_ssl=bool(config.get("MAIL_USE_SSL", False)),
            ca_file=config.get("MAIL_TLS_CA_FILE") or None,
        )

    @property
    def sender_address(self) -> str:
        return parseaddr(self.sender)[1] or self.sender

    @property
    def domain(self) -> str:
        return self.sender_address.rpartition("@")[2] or "localhost"


class TransportFailure(Exception):
    """The SMTP server could not be reached or dropped the connection: stop this round."""


class MessageRefused(Exception):
    """The server refused this message; `permanent` for a 5xx answer."""

    def __init__(self, text: str, permanent: bool):
        super().__init__(text)
        self.permanent = permanent


class SmtpTransport:
    """One SMTP connection, opened for the first message of a round and reused for the rest."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.connection: smtplib.SMTP | None = None

    def send(self, recipient: str, raw: bytes) -> None:
        if self.connection is None:
            try:
                self.connection = self._connect()
            except (OSError, smtplib.SMTPException) as error:  # down, TLS or login refused
                raise TransportFailure(
                    f"SMTP server {self.settings.server}:{self.settings.port}: "
                    f"{type(error).__name__}: {error}"
                ) from None
        try:
            self.connection.sendmail(self.settings.sender_address, [recipient], raw)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise MessageRefused(_smtp_text(code, text), permanent=code >= 500) from None
        except smtplib.SMTPNotSupportedError as error:  # e.g. a non-ASCII address
            raise MessageRefused(f"SMTP: {error}", permanent=True) from None
        except smtplib.SMTPServerDisconnected as error:
            self.connection = None
            raise TransportFailure(f"SMTP connection lost: {error}") from None
        except smtplib.SMTPResponseException as error:
            if error.smtp_code in (421,):  # the server is closing the connection
                self.close()
                raise TransportFailure(_smtp_text(error.smtp_code, error.smtp_error)) from None
            raise MessageRefused(
                _smtp_text(error.smtp_code, error.smtp_error), permanent=error.smtp_code >= 500
            ) from None
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise TransportFailure(
                f"SMTP server {self.settings.server}:{self.settings.port}: "
                f"{type(error).__name__}: {error}"
            ) from None

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.use_ssl:  # it wins over STARTTLS when both are set: TLS from the first byte
            connection = smtplib.SMTP_SSL(
                settings.server, settings.port, timeout=settings.timeout, context=self._tls()
            )
        else:
            connection = smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout)
        try:
            if settings.use_tls and not settings.use_ssl:
                connection.starttls(context=self._tls())
            if settings.username:
                connection.login(settings.username, settings.password)
        except BaseException:
            connection.close()
            raise
        return connection

    def _tls(self) -> ssl.SSLContext:
        """Checks the server's certificate, against MAIL_TLS_CA_FILE when set."""
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


def _smtp_text(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"SMTP {code}: {text}"


# ----- queueing ----------------------------------------------------------------------------------


def queue_publication_messages(
    publication: Publication, settings: MailSettings | None = None
) -> list[OutboundMessage]:
    """One pending message per person affected by the publication who has an e-mail address,
    in that person's language. The people without an address get a failed row, NO_ADDRESS.

    Returns the pending messages, by person name. Flushes; the caller commits.
    """
    settings = settings or MailSettings.from_config(current_app.config)
    mission = db.session.get(Mission, publication.mission_id)
    people = _affected_people(publication)
    queued = []
    for person in people:
        locale = person_locale(person, mission)
        address = person.email.strip()
        message = OutboundMessage(
            mission_id=mission.id,
            publication_id=publication.id,
            person_id=person.id,
            recipient=address,
            language=locale,
            subject=mail_exporter.notice_subject(locale, mission.title, publication.number)[
                :SUBJECT_MAX_LENGTH
            ],
            message_id=_new_message_id(publication, settings.domain),
            status="pending" if address else "failed",
            attempts=0,
            last_error="" if address else NO_ADDRESS,
        )
        db.session.add(message)
        if address:
            queued.append(message)
    db.session.flush()
    return queued


def _new_message_id(publication: Publication, domain: str) -> str:
    """Unique across installations too (random part), and short enough for one header line."""
    return f"<v{publication.number}.{secrets.token_hex(10)}@{domain}>"


def _affected_people(publication: Publication) -> list[Person]:
    """The people for whom something changed in this version, by name. Everyone a change
    concerns, except where nothing changed from their point of view (a meeting restored
    without them, say)."""
    changes = db.session.scalars(
        select(PublicationChange)
        .where(PublicationChange.publication_id == publication.id)
        .options(selectinload(PublicationChange.people).selectinload(Person.organisation))
    ).all()
    people: dict[int, Person] = {}
    for change in changes:
        before = MeetingState.from_json(change.before) if change.before else None
        after = MeetingState.from_json(change.after) if change.after else None
        if after is None and before is not None:  # deleted
            after = replace(before, status="cancelled")
        for person in change.people:
            if person.id not in people and publications.classify(before, after, person.id):
                people[person.id] = person
    return sorted(people.values(), key=lambda p: (p.name.lower(), p.id))


# ----- building one message ----------------------------------------------------------------------


def build_message(message: OutboundMessage, settings: MailSettings, portal_url: PortalUrl) -> bytes:
    """The message's bytes, kept in `raw`: the person's changes in this publication, their
    calendar updates (one .ics per METHOD) and their PDF agenda. Built once; flushes."""
    if message.raw is not None:
        return message.raw
    mission = db.session.get(Mission, message.mission_id)
    publication = db.session.get(Publication, message.publication_id)
    person = db.session.get(Person, message.person_id) if message.person_id else None
    if person is None or publication is None:
        raise NotFound("the person or the publication of this message")
    changes = _person_changes(mission, publication, person)
    agenda = agendas.person_agenda(mission, person, source="published")
    link = portal_url(person)
    attachments = _calendar_attachments(agenda, changes, settings, person)
    attachments.append(pdf_exporter.person_agenda_pdf(agenda, portal_url=link))
    notice = mail_exporter.ChangeNotice(
        message_id=message.message_id,
        sender=settings.sender,
        recipient=message.recipient,
        recipient_name=person.name,
        locale=message.language,
        subject=message.subject,
        mission_title=mission.title,
        organiser=mission.organiser,
        version=publication.number,
        published_at=publication.published_at,
        portal_url=link,
        changes=tuple(changes),
        attachments=tuple(attachments),
    )
    message.raw = mail_exporter.notice_message(notice)
    db.session.flush()
    return message.raw


def _person_changes(
    mission: Mission, publication: Publication, person: Person
) -> list[mail_exporter.ChangeLine]:
    """This person's changes in this version, seen from their side of the table, by time."""
    lines = []
    for change in publications.changes_for_person(
        mission, person, publication.number - 1, publication.number
    ):
        after = change.after
        if change.kind == "cancelled":
            last = after or change.before
            # A deleted meeting's cancellation is published one sequence up from its last state.
            sequence = max(last.sequence, change.before.sequence + 1 if change.before else 0)
            after = replace(last, status="cancelled", sequence=sequence)
        lines.append(mail_exporter.ChangeLine(kind=change.kind, before=change.before, after=after))
    return lines


def _calendar_attachments(
    agenda: agendas.Agenda,
    changes: list[mail_exporter.ChangeLine],
    settings: MailSettings,
    person: Person,
) -> list[ExportedFile]:
    """A REQUEST calendar with the new and changed meetings, a CANCEL calendar with the
    cancelled ones: one METHOD per calendar object (RFC 5546)."""
    parties = ics_exporter.ItipParties(
        organizer_name=agenda.organiser or agenda.mission_title,
        organizer_email=settings.sender_address,
        attendee_name=person.name,
        attendee_email=person.email.strip(),
    )
    files = []
    for method, entries, stem in (
        ("REQUEST", [c.after for c in changes if c.kind != "cancelled" and c.after], "updates"),
        ("CANCEL", [c.after for c in changes if c.kind == "cancelled" and c.after], "cancelled"),
    ):
        if not entries:
            continue
        scoped = replace(agenda, entries=tuple(sorted(entries, key=lambda e: (e.start, e.uid))))
        exported = ics_exporter.agenda_calendar(
            scoped,
            calendar_name=ics_exporter.calendar_name_for(agenda, "person"),
            method=method,
            parties=parties,
        )
        files.append(replace(exported, filename=f"{stem}.ics"))
    return files


# ----- the state of one message ------------------------------------------------------------------


def release_stale_messages(mission_id: int | None, now: datetime) -> int:
    """Messages still "sending" after their lease: their worker died, maybe after the server
    took them. They go back to pending and are sent again, with the same Message-ID, which lets
    mail systems drop a duplicate. Flushes."""
    query = (
        update(OutboundMessage)
        .where(OutboundMessage.status == "sending", OutboundMessage.next_attempt_at < now)
        .values(
            status="pending",
            attempts=OutboundMessage.attempts + 1,
            last_error=INTERRUPTED,
            next_attempt_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    if mission_id is not None:
        query = query.where(OutboundMessage.mission_id == mission_id)
    return db.session.execute(query).rowcount


def due_message_ids(mission_id: int, now: datetime, publication_id: int | None = None) -> list[int]:
    """Pending messages whose time has come, oldest first."""
    query = select(OutboundMessage.id).where(
        OutboundMessage.mission_id == mission_id,
        OutboundMessage.status == "pending",
        or_(OutboundMessage.next_attempt_at.is_(None), OutboundMessage.next_attempt_at <= now),
    )
    if publication_id is not None:
        query = query.where(OutboundMessage.publication_id == publication_id)
    return list(db.session.scalars(query.order_by(OutboundMessage.id)))


def missions_with_due_messages(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboundMessage.mission_id)
            .where(
                or_(
                    (OutboundMessage.status == "pending")
                    & or_(
                        OutboundMessage.next_attempt_at.is_(None),
                        OutboundMessage.next_attempt_at <= now,
                    ),
                    (OutboundMessage.status == "sending") & (OutboundMessage.next_attempt_at < now),
                )
            )
            .distinct()
            .order_by(OutboundMessage.mission_id)
        )
    )


def claim_message(message_pk: int, now: datetime) -> bool:
    """Pending to sending in one conditional UPDATE: True for the one worker that wins. `now`
    is the time of the claim (not of the round's start): the lease runs from it. The winner's
    message goes to the person's current address (`follow_current_address`). Flushes."""
    claimed = db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == message_pk, OutboundMessage.status == "pending")
        .values(status="sending", next_attempt_at=now + SENDING_LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return False
    message = db.session.get(OutboundMessage, message_pk, populate_existing=True)
    follow_current_address(message)
    return True


def follow_current_address(message: OutboundMessage, settings: MailSettings | None = None) -> bool:
    """When the person's address changed since the message was queued (a typo corrected after
    a refusal, say), the message goes to the new address: a new recipient, and its bytes are
    built again with the new To: and a new Message-ID, as a new message. An address removed
    since keeps the old one. True if it changed. Flushes."""
    address = _address_now(message)
    if not address or address == message.recipient:
        return False
    settings = settings or MailSettings.from_config(current_app.config)
    publication = db.session.get(Publication, message.publication_id)
    message.recipient = address
    message.message_id = _new_message_id(publication, settings.domain)
    message.raw = None
    db.session.flush()
    return True


def record_sent(message: OutboundMessage, when: datetime) -> None:
    message.status, message.sent_at = "sent", when
    message.attempts += 1
    message.next_attempt_at = None
    message.last_error = ""
    db.session.flush()


def record_failure(
    message: OutboundMessage, error: str, now: datetime, max_attempts: int, permanent: bool = False
) -> None:
    """Back to pending after a delay that grows with each attempt; failed for good after the
    last attempt or a permanent refusal."""
    message.attempts += 1
    message.last_error = error[:ERROR_MAX_LENGTH]
    if permanent or message.attempts >= max_attempts:
        message.status, message.next_attempt_at = "failed", None
    else:
        delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
        message.status, message.next_attempt_at = "pending", now + delay
    db.session.flush()


# ----- the outbox page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboxCounts:
    sent: int = 0
    waiting: int = 0  # pending or sending
    failed: int = 0  # the server refused it, or gave up after the last attempt
    no_address: int = 0  # affected people without an e-mail address

    @property
    def total(self) -> int:
        return self.sent + self.waiting + self.failed + self.no_address


@dataclass(frozen=True)
class OutboxRow:
    message: OutboundMessage
    name: str  # the person's name ("" when the person was deleted since)
    state: str  # sent | waiting | failed | no_address


@dataclass(frozen=True)
class OutboxSection:
    publication: Publication
    counts: OutboxCounts
    rows: list[OutboxRow]  # failed and without address first, then waiting, then sent


@dataclass(frozen=True)
class Outbox:
    counts: OutboxCounts
    sections: list[OutboxSection]  # newest publication first
    retryable: int  # failed messages "retry failed" would send again
    zone: str  # the zone the page shows times in: the first leg's
    city: str


STATE_ORDER = {"failed": 0, "no_address": 1, "waiting": 2, "sent": 3}


def _state(message: OutboundMessage) -> str:
    if message.status == "sent":
        return "sent"
    if message.status in ("pending", "sending"):
        return "waiting"
    return "no_address" if not message.recipient else "failed"


def _count(states: list[str]) -> OutboxCounts:
    return OutboxCounts(
        sent=states.count("sent"),
        waiting=states.count("waiting"),
        failed=states.count("failed"),
        no_address=states.count("no_address"),
    )


def outbox(mission: Mission) -> Outbox:
    """Every message of the mission, by publication, in four queries."""
    messages = db.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.mission_id == mission.id)
        .options(selectinload(OutboundMessage.person), selectinload(OutboundMessage.publication))
        .order_by(OutboundMessage.id)
    ).all()
    by_publication: dict[int, list[OutboxRow]] = defaultdict(list)
    publications: dict[int, Publication] = {}
    for message in messages:
        if message.publication is None:
            continue
        publications[message.publication_id] = message.publication
        name = message.person.name if message.person else ""
        by_publication[message.publication_id].append(OutboxRow(message, name, _state(message)))
    sections = []
    for publication_id, rows in by_publication.items():
        rows.sort(key=lambda r: (STATE_ORDER[r.state], r.name.lower(), r.message.id))
        sections.append(
            OutboxSection(publications[publication_id], _count([r.state for r in rows]), rows)
        )
    sections.sort(key=lambda s: s.publication.number, reverse=True)
    all_states = [row.state for section in sections for row in section.rows]
    retryable = sum(
        1
        for section in sections
        for row in section.rows
        if row.state == "failed" or (row.state == "no_address" and _address_now(row.message))
    )
    leg = db.session.execute(
        select(Leg.timezone, Leg.city)
        .where(Leg.mission_id == mission.id)
        .order_by(Leg.position, Leg.id)
        .limit(1)
    ).first()
    zone, city = leg if leg else ("UTC", "")
    return Outbox(_count(all_states), sections, retryable, zone, city)


def _address_now(message: OutboundMessage) -> str:
    return (message.person.email or "").strip() if message.person else ""


def publication_counts(publication: Publication) -> OutboxCounts:
    messages = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.publication_id == publication.id)
    ).all()
    return _count([_state(m) for m in messages])


def waiting_messages(mission: Mission) -> tuple[int, str]:
    """How many of the mission's messages still wait to be sent, and the latest error met
    while trying (empty if none), so that a command line can say why."""
    messages = db.session.scalars(
        select(OutboundMessage)
        .where(
            OutboundMessage.mission_id == mission.id,
            OutboundMessage.status.in_(("pending", "sending")),
        )
        .order_by(OutboundMessage.id)
    ).all()
    errors = [m.last_error for m in messages if m.last_error]
    return len(messages), errors[-1] if errors else ""


def retry_failed_messages(actor: User, mission: Mission) -> int:
    """Failed messages go back to pending with a fresh count of attempts, keeping their
    Message-ID and bytes, unless the person's address changed since: then the message goes to
    the new address, built again as a new message (`follow_current_address`). A person without
    an address at publication who has one now gets the message too. Returns how many will be
    sent. Flushes."""
    messages = db.session.scalars(
        select(OutboundMessage)
        .where(OutboundMessage.mission_id == mission.id, OutboundMessage.status == "failed")
        .options(selectinload(OutboundMessage.person))
    ).all()
    settings = MailSettings.from_config(current_app.config)
    count = 0
    for message in messages:
        follow_current_address(message, settings)
        if not message.recipient:
            continue
        message.status, message.attempts = "pending", 0
        message.next_attempt_at, message.last_error = None, ""
        count += 1
    db.session.flush()
    return count
