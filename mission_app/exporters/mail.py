"""The e-mail that tells a participant what a publication changed in their agenda.

Plain data in, bytes out (RFC 5322, CRLF line ends, ready for SMTP). The text and HTML bodies
are rendered from templates/email/ in the reader's language, like the PDFs from templates/pdf/.
Every value in them comes from people who typed it, and the HTML template escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from mission_app.exporters import ExportedFile
from mission_app.services.agendas import AgendaEntry
from mission_app.services.timezones import format_local

RTL_LOCALES = {"ar"}


@dataclass(frozen=True)
class ChangeLine:
    """One meeting's change for the reader: added, moved, changed, cancelled or restored.
    `before` is the state they knew (None when added), `after` the state now."""

    kind: str
    before: AgendaEntry | None
    after: AgendaEntry | None


@dataclass(frozen=True)
class ChangeNotice:
    message_id: str
    sender: str
    recipient: str
    recipient_name: str
    locale: str
    subject: str
    mission_title: str
    organiser: str
    version: int
    published_at: datetime
    portal_url: str | None
    changes: tuple[ChangeLine, ...]
    attachments: tuple[ExportedFile, ...]


def notice_subject(locale: str, mission_title: str, version: int) -> str:
    with force_locale(locale):
        return _(
            "%(mission)s: your agenda has changed (version %(version)s)",
            mission=mission_title,
            version=version,
        )


def when_text(entry: AgendaEntry, locale: str) -> str:
    """Day and hours in the zone of the place, with that zone named: "mardi 12 mai 2026,
    09:00–09:30, heure de Dakar (Africa/Dakar)". Call inside force_locale(locale)."""
    hours = "{}–{}".format(
        format_local(entry.start, entry.zone, "time"), format_local(entry.end, entry.zone, "time")
    )
    if locale in RTL_LOCALES:  # keep "09:00–09:30" left to right inside Arabic text
        hours = f"\u2066{hours}\u2069"
    day = format_local(entry.start, entry.zone, "date")
    if entry.zone == "UTC":
        return _("%(day)s, %(hours)s, universal time (UTC)", day=day, hours=hours)
    return _(
        "%(day)s, %(hours)s, %(city)s time (%(zone)s)",
        day=day,
        hours=hours,
        city=entry.city or entry.zone,
        zone=entry.zone,
    )


def place_text(entry: AgendaEntry, locale: str) -> str:
    """Venue and table. Call inside force_locale(locale)."""
    parts = [entry.location] if entry.location else []
    if entry.table is not None:
        parts.append(_("table %(number)s", number=entry.table))
    return _comma(locale).join(parts)


def _comma(locale: str) -> str:
    return "، " if locale in RTL_LOCALES else ", "


def notice_message(notice: ChangeNotice) -> bytes:
    locale = notice.locale
    context = {
        "notice": notice,
        "locale": locale,
        "direction": "rtl" if locale in RTL_LOCALES else "ltr",
        "when": lambda entry: when_text(entry, locale),
        "place": lambda entry: place_text(entry, locale),
        "comma": _comma(locale),
    }
    with force_locale(locale):
        context["published"] = format_local(notice.published_at, "UTC", "datetime")
        text = render_template("email/publication_notice.txt", **context)
        html = render_template("email/publication_notice.html", **context)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = notice.sender
    message["To"] = formataddr((_one_line(notice.recipient_name), notice.recipient))
    message["Subject"] = _one_line(notice.subject)
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = notice.message_id
    message["Content-Language"] = locale
    # Out-of-office replies must not answer an automatic message (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for attachment in notice.attachments:
        maintype, _slash, rest = attachment.content_type.partition("/")
        subtype = rest.split(";", 1)[0].strip()
        params = {}
        if maintype == "text" and subtype == "calendar":
            params["charset"] = "utf-8"
            method = _ics_method(attachment.content)
            if method:  # iTIP readers look for it on the part, not only in the file
                params["method"] = method
        message.add_attachment(
            attachment.content,
            maintype=maintype,
            subtype=subtype,
            filename=attachment.filename,
            params=params,
        )
    return message.as_bytes()


def _one_line(text: str) -> str:
    """Typed names may hold line breaks; a header may not (it would end the header)."""
    return " ".join(text.split())


def _ics_method(content: bytes) -> str:
    for line in content.splitlines():
        if line.startswith(b"METHOD:"):
            return line[7:].decode("ascii", "replace").strip()
    return ""
