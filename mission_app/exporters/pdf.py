"""PDF documents rendered by WeasyPrint from templates/pdf/: agendas, door sheets, the master
grid and the mission booklet.

Plain data in, bytes out. Everything a document shows comes from people who typed it (names,
descriptions), so two rules hold: the templates escape every value, and the URL fetcher loads
nothing but the app's own static files. A name such as `<img src="file:///etc/passwd">` is
printed as text, and even a stylesheet or image that slipped in could not read the disk or
reach the network.
"""

from __future__ import annotations

import mimetypes
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint import CSS, HTML, Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from mission_app.exporters import ExportedFile, filename_slug
from mission_app.services.agendas import Agenda, AgendaEntry, PersonRef

PDF = "application/pdf"
STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
STYLESHEET = "pdf/pdf.css"
RTL_LOCALES = {"ar"}


class RefusedURL(ValueError):
    """A document asked for something other than one of the app's static files."""


class StaticFilesFetcher(URLFetcher):
    """Serves only files under mission_app/static (and inline data: URLs). Everything else,
    file:// elsewhere on the disk, http(s)://, ftp://, is refused without being opened.

    `requested` keeps every URL it was asked for, in order, so that tests can see what a
    document tried to load.
    """

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols={"file", "data"}, allow_redirects=False)
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise RefusedURL(f"not a static file of the app: {url}")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"not a static file of the app: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(STATIC_ROOT) or not path.is_file():
            raise RefusedURL(f"not a static file of the app: {url}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})


# Parsing the stylesheet and loading fonts once per process keeps each document close to the
# cost of a bare render. WeasyPrint objects are not meant to be shared across threads, so each
# thread gets its own.
_local = threading.local()


def _font_config() -> FontConfiguration:
    if not hasattr(_local, "font_config"):
        _local.font_config = FontConfiguration()
    return _local.font_config


@lru_cache(maxsize=4)
def _stylesheet_source(app_id: int) -> str:
    source, _filename, _uptodate = current_app.jinja_env.loader.get_source(
        current_app.jinja_env, STYLESHEET
    )
    return source


def _stylesheet() -> CSS:
    key = id(current_app._get_current_object())
    cache = getattr(_local, "stylesheets", None)
    if cache is None:
        cache = _local.stylesheets = {}
    if key not in cache:
        cache[key] = CSS(
            string=_stylesheet_source(key),
            base_url=STATIC_ROOT.as_uri() + "/",
            url_fetcher=StaticFilesFetcher(),
            font_config=_font_config(),
        )
    return cache[key]


def _css_string(text: str) -> str:
    """Text as a CSS string literal. Mission and document titles are typed by users and end up
    inside a <style> element, so beside quotes and backslashes, `<`, `>` and `&` are written as
    CSS escapes: a title holding `</style>` cannot close the element."""
    escaped = []
    for char in str(text):
        if char in '"\\<>&' or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            escaped.append(f"\\{ord(char):x} ")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def _page_css(mission_title: str, document_title: str, direction: str) -> Markup:
    """The running head (the mission at the start side, the document's title at the end side) and
    'Page 2 / 3' at the foot, in the document's language, as @page margin content.

    Plain strings rather than running elements: WeasyPrint then has no element to lay out again
    on every page. Each string gets the direction of its own text, so that a French title keeps
    its closing parenthesis in an Arabic document."""
    marker_page, marker_pages = "\ue000", "\ue001"  # private-use characters: never escaped
    label = _("Page %(page)s / %(pages)s", page=marker_page, pages=marker_pages)
    page_numbers = _css_string(label)
    page_numbers = page_numbers.replace(marker_page, '" counter(page) "')
    page_numbers = page_numbers.replace(marker_pages, '" counter(pages) "')
    start, end = ("right", "left") if direction == "rtl" else ("left", "right")
    rules = [f"@bottom-center {{ content: {page_numbers}; }}"]
    for side, text in ((start, mission_title), (end, document_title)):
        if text:
            rules.append(
                f"@top-{side} {{ content: {_css_string(text)}; "
                f"direction: {text_direction(text)}; }}"
            )
    return Markup("@page { " + " ".join(rules) + " }")


def text_direction(text: str) -> str:
    """'rtl' or 'ltr' after the first letter with a strong direction, as HTML's dir="auto" does:
    a French address inside an Arabic agenda keeps its punctuation where it belongs."""
    for char in str(text or ""):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


def upper_first(text: str) -> str:
    """'mardi 12 mai' -> 'Mardi 12 mai'; unlike Jinja's capitalize, the rest stays as it is."""
    text = str(text)
    return text[:1].upper() + text[1:]


def qr_svg(url: str, size_mm: float = 28) -> Markup:
    """A QR code for `url`, drawn as inline SVG (vector: sharp in print, nothing to fetch)."""
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=1, border=2, omitsize=True, svgclass="qr", lineclass=None)
    side = f"{size_mm}mm"
    return Markup(svg.replace("<svg ", f'<svg width="{side}" height="{side}" ', 1))


def document_html(template: str, *, locale: str, title: str, mission_title: str, **context) -> str:
    """templates/pdf/<template> rendered in `locale`: the HTML that WeasyPrint lays out."""
    direction = "rtl" if locale in RTL_LOCALES else "ltr"
    with force_locale(locale):
        return render_template(
            template,
            locale=locale,
            direction=direction,
            document_title=title,
            page_css=_page_css(mission_title, title, direction),
            text_direction=text_direction,
            upper_first=upper_first,
            comma="، " if locale in RTL_LOCALES else ", ",
            **context,
        )


def parse_html(html: str, fetcher: StaticFilesFetcher | None = None) -> HTML:
    return HTML(
        string=html,
        base_url=STATIC_ROOT.as_uri() + "/",
        url_fetcher=fetcher or StaticFilesFetcher(),
    )


def lay_out(document: HTML) -> Document:
    """Pages laid out with the shared stylesheet and fonts (parsed and loaded once)."""
    return document.render(stylesheets=[_stylesheet()], font_config=_font_config())


def render_pdf(
    template: str,
    *,
    locale: str,
    title: str,
    mission_title: str,
    fetcher: StaticFilesFetcher | None = None,
    **context,
) -> bytes:
    """Render templates/pdf/<template> in `locale` and lay it out as PDF."""
    html = document_html(
        template, locale=locale, title=title, mission_title=mission_title, **context
    )
    return lay_out(parse_html(html, fetcher)).write_pdf()


# ----- agendas ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaDay:
    """The entries of one day, in the zone of the leg where they happen."""

    day: date
    zone: str
    city: str
    entries: tuple[AgendaEntry, ...]

    @property
    def first_start(self) -> datetime:
        return self.entries[0].start


def agenda_days(entries: Iterable[AgendaEntry]) -> list[AgendaDay]:
    """Entries grouped by local day and zone, keeping their order (they come sorted by start)."""
    days: list[AgendaDay] = []
    for entry in entries:
        local_day = entry.start.astimezone(ZoneInfo(entry.zone)).date()
        if days and days[-1].day == local_day and days[-1].zone == entry.zone:
            last = days[-1]
            days[-1] = AgendaDay(last.day, last.zone, last.city, (*last.entries, entry))
        else:
            days.append(AgendaDay(local_day, entry.zone, entry.city, (entry,)))
    return days


@dataclass(frozen=True)
class PersonLink:
    """One of an organisation's people, with their online agenda (None: link revoked)."""

    person: PersonRef
    portal_url: str | None


def _agenda_filename(kind: str, agenda: Agenda) -> str:
    return f"{kind}-{filename_slug(agenda.holder)}.pdf"


def person_agenda_html(agenda: Agenda, *, portal_url: str | None) -> str:
    with force_locale(agenda.locale):
        title = _("Agenda of %(name)s", name=agenda.holder)
    return document_html(
        "pdf/person_agenda.html",
        locale=agenda.locale,
        title=title,
        mission_title=agenda.mission_title,
        agenda=agenda,
        days=agenda_days(agenda.entries),
        portal_url=portal_url,
        qr=qr_svg(portal_url) if portal_url else None,
    )


def person_agenda_pdf(
    agenda: Agenda, *, portal_url: str | None, fetcher: StaticFilesFetcher | None = None
) -> ExportedFile:
    """The personal agenda; `portal_url` is the person's online agenda (None: no live link)."""
    html = person_agenda_html(agenda, portal_url=portal_url)
    content = lay_out(parse_html(html, fetcher)).write_pdf()
    return ExportedFile(content, PDF, _agenda_filename("agenda", agenda))


def organisation_agenda_pdf(
    agenda: Agenda,
    *,
    side: str,
    people: Iterable[PersonLink],
    fetcher: StaticFilesFetcher | None = None,
) -> ExportedFile:
    """A delegation firm's or a host's agenda: every meeting and activity of its people, who
    attends each, and each person's own online agenda as a QR code."""
    with force_locale(agenda.locale):
        title = _("Agenda of %(name)s", name=agenda.holder)
    links = [
        (link, qr_svg(link.portal_url, size_mm=22) if link.portal_url else None) for link in people
    ]
    content = render_pdf(
        "pdf/organisation_agenda.html",
        locale=agenda.locale,
        title=title,
        mission_title=agenda.mission_title,
        fetcher=fetcher,
        agenda=agenda,
        side=side,
        days=agenda_days(agenda.entries),
        links=links,
    )
    return ExportedFile(content, PDF, _agenda_filename("agenda", agenda))


# ----- door sheets, master grid, booklet ---------------------------------------------------------


@dataclass(frozen=True)
class DoorSlot:
    start: datetime
    end: datetime
    delegation: str
    host: str
    people: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoorSheet:
    """What is put on one table for one day: who sits there, slot after slot."""

    mission_title: str
    locale: str
    venue: str
    address: str
    city: str
    zone: str
    table: int
    day: date
    noon: datetime  # an instant of that day, for showing the date in the zone
    slots: tuple[DoorSlot, ...]


def door_sheet_pdf(sheet: DoorSheet, *, fetcher: StaticFilesFetcher | None = None) -> ExportedFile:
    with force_locale(sheet.locale):
        title = _("Table %(num)d", num=sheet.table)
    content = render_pdf(
        "pdf/door_sheet.html",
        locale=sheet.locale,
        title=title,
        mission_title=sheet.mission_title,
        fetcher=fetcher,
        sheet=sheet,
    )
    filename = f"table-{sheet.table}-{filename_slug(sheet.venue)}-{sheet.day.isoformat()}.pdf"
    return ExportedFile(content, PDF, filename)


@dataclass(frozen=True)
class GridCell:
    colspan: int = 1
    meetings: tuple[DoorSlot, ...] = ()
    is_break: bool = False


@dataclass(frozen=True)
class GridRow:
    table: int
    cells: tuple[GridCell, ...]


@dataclass(frozen=True)
class GridColumn:
    start: datetime
    end: datetime
    is_break: bool = False


@dataclass(frozen=True)
class VenueGrid:
    venue: str
    address: str
    columns: tuple[GridColumn, ...]
    rows: tuple[GridRow, ...]


@dataclass(frozen=True)
class MasterGrid:
    """The organiser's grid of one leg and day: per venue, tables × slots."""

    mission_title: str
    locale: str
    city: str
    zone: str
    day: date
    noon: datetime
    venues: tuple[VenueGrid, ...]
    off_grid: tuple[DoorSlot, ...] = ()  # meetings that start on no slot of the day
    activities: tuple[AgendaEntry, ...] = ()
    meeting_count: int = 0


def master_grid_pdf(grid: MasterGrid, *, fetcher: StaticFilesFetcher | None = None) -> ExportedFile:
    with force_locale(grid.locale):
        title = _("Meeting grid")
    content = render_pdf(
        "pdf/master_grid.html",
        locale=grid.locale,
        title=title,
        mission_title=grid.mission_title,
        fetcher=fetcher,
        grid=grid,
    )
    filename = f"grid-{filename_slug(grid.city)}-{grid.day.isoformat()}.pdf"
    return ExportedFile(content, PDF, filename)


@dataclass(frozen=True)
class OrganisationProfile:
    name: str
    side: str
    category: str
    country: str
    city: str  # the leg a host belongs to; empty for the delegation
    sectors: tuple[str, ...]
    description: str
    people: tuple[PersonRef, ...]
    meeting_count: int = 0


@dataclass(frozen=True)
class BookletSection:
    side: str  # delegation | host
    city: str  # the hosts' leg; empty for the delegation or hosts of no leg
    organisations: tuple[OrganisationProfile, ...]


@dataclass(frozen=True)
class Booklet:
    """The mission's catalogue: the public programme, then one page per organisation."""

    programme: Agenda
    description: str
    sections: tuple[BookletSection, ...] = field(default_factory=tuple)


def booklet_pdf(booklet: Booklet, *, fetcher: StaticFilesFetcher | None = None) -> ExportedFile:
    programme = booklet.programme
    with force_locale(programme.locale):
        title = _("Mission booklet")
    content = render_pdf(
        "pdf/booklet.html",
        locale=programme.locale,
        title=title,
        mission_title=programme.mission_title,
        fetcher=fetcher,
        booklet=booklet,
        agenda=programme,
        days=agenda_days(programme.entries),
    )
    return ExportedFile(content, PDF, f"booklet-{filename_slug(programme.mission_title)}.pdf")


__all__ = [
    "Booklet",
    "BookletSection",
    "DoorSheet",
    "DoorSlot",
    "GridCell",
    "GridColumn",
    "GridRow",
    "MasterGrid",
    "OrganisationProfile",
    "PersonLink",
    "RefusedURL",
    "StaticFilesFetcher",
    "VenueGrid",
    "agenda_days",
    "booklet_pdf",
    "door_sheet_pdf",
    "master_grid_pdf",
    "organisation_agenda_pdf",
    "document_html",
    "lay_out",
    "parse_html",
    "person_agenda_html",
    "person_agenda_pdf",
    "qr_svg",
    "render_pdf",
]
