"""Portal views: a participant's agenda, in their language, behind their personal link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from zoneinfo import ZoneInfo

from flask import Response, current_app, make_response, render_template, request, url_for
from flask_babel import force_locale

from mission_app.extensions import db
from mission_app.portal import bp
from mission_app.services.agendas import AgendaEntry, person_agenda
from mission_app.services.portal import person_for_token
from mission_app.services.publications import portal_version

PORTAL_LANGUAGES = ("fr", "en", "ar")
LANGUAGE_COOKIE = "portal_lang"
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
# Short enough that a change by the organisers shows within a minute, long enough that going
# back and forth on a slow phone connection does not fetch the page again.
CACHE_CONTROL = "private, max-age=60"


@dataclass(frozen=True)
class AgendaDay:
    """The entries of one local day in one leg: its city, its zone, its date."""

    day: date
    city: str
    zone: str
    first_start: datetime  # to name the day and its offset in the zone
    entries: tuple[AgendaEntry, ...]


def agenda_days(entries: tuple[AgendaEntry, ...]) -> list[AgendaDay]:
    """Entries grouped by leg and local day, in time order (the agenda's entries are sorted)."""

    def key(entry: AgendaEntry):
        return entry.city, entry.zone, entry.start.astimezone(ZoneInfo(entry.zone)).date()

    return [
        AgendaDay(day, city, zone, group[0].start, tuple(group))
        for (city, zone, day), group in ((k, list(g)) for k, g in groupby(entries, key))
    ]


def _chosen_language(agenda_locale: str) -> tuple[str, bool]:
    """The language asked for in the query, else the one remembered, else the person's own.
    Also says whether the choice is new and must be remembered."""
    asked = request.args.get("lang")
    if asked in PORTAL_LANGUAGES:
        return asked, True
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in PORTAL_LANGUAGES:
        return remembered, False
    return agenda_locale, False


def _webcal(url: str) -> str:
    """The same address for calendar apps: webcal:// opens a subscription dialog."""
    return "webcal://" + url.split("://", 1)[1]


@bp.get("/<token>")
def show_agenda(token: str):
    person = person_for_token(token)
    agenda = person_agenda(person.mission, person, source="published")
    since = request.args.get("since", type=int)  # the language links keep the changes shown
    version = portal_version(person.mission, person, since)  # records the version as seen
    language, remember = _chosen_language(agenda.locale)
    feed_url = url_for("portal.person_calendar", token=token, _external=True)
    with force_locale(language):
        page = render_template(
            "portal/agenda.html",
            agenda=agenda,
            version=version,
            language_link_extra=f"&since={version.seen_before}"
            if version and version.changes
            else "",
            days=agenda_days(agenda.entries),
            token=token,
            languages=PORTAL_LANGUAGES,
            feed_url=feed_url,
            webcal_url=_webcal(feed_url),
            organisation_webcal=_webcal(
                url_for("portal.organisation_calendar", token=token, _external=True)
            ),
            programme_webcal=_webcal(
                url_for("portal.programme_calendar", token=token, _external=True)
            ),
        )
    db.session.commit()  # once the page is built: a failed page leaves the changes to show
    response = make_response(page)
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.vary.add("Cookie")  # the language comes from a cookie
    if remember:
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=LANGUAGE_COOKIE_SECONDS,
            path=bp.url_prefix + "/",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
            httponly=True,
            samesite="Lax",
        )
    return response


@bp.after_app_request
def keep_links_private(response: Response) -> Response:
    """The secret is in the address: no page under /p/ tells another site where it came from
    or lets a search engine keep it. Unknown and revoked links get the same headers."""
    if request.path.startswith(bp.url_prefix + "/"):
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response
