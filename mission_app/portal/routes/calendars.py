"""Portal views: calendar feeds behind the personal link.

Calendar clients poll these feeds for months. Each response carries a (weak) ETag computed from
everything but DTSTAMP, so that a poll of an unchanged agenda gets a 304 without a body.
"""

from __future__ import annotations

from dataclasses import replace

from flask import current_app, request, url_for

from mission_app.exporters import ExportedFile
from mission_app.exporters.ics import agenda_calendar, calendar_name_for, content_etag
from mission_app.portal import bp
from mission_app.services.agendas import (
    organisation_agenda,
    person_agenda,
    person_locale,
    programme_agenda,
)
from mission_app.services.portal import person_for_token
from mission_app.services.publications import feeds_last_modified

# Personal data: no shared cache may keep it, and clients may reuse it for five minutes.
FEED_CACHE_CONTROL = "private, max-age=300"


@bp.get("/<token>/agenda.ics")
def person_calendar(token: str):
    person = person_for_token(token)
    agenda = person_agenda(person.mission, person, source="published")
    return _feed(
        agenda, "person", "portal.person_calendar", token, feeds_last_modified(person.mission)
    )


@bp.get("/<token>/organisation.ics")
def organisation_calendar(token: str):
    person = person_for_token(token)
    agenda = organisation_agenda(person.mission, person.organisation, source="published")
    return _feed(
        _in_language_of(person, agenda),
        "organisation",
        "portal.organisation_calendar",
        token,
        feeds_last_modified(person.mission),
    )


@bp.get("/<token>/programme.ics")
def programme_calendar(token: str):
    person = person_for_token(token)
    agenda = programme_agenda(person.mission)
    return _feed(
        _in_language_of(person, agenda),
        "programme",
        "portal.programme_calendar",
        token,
        feeds_last_modified(person.mission),
    )


def _in_language_of(person, agenda):
    """The firm's and the programme's feeds reached from a person's link speak that person's
    language, as their own feed does, rather than the mission's."""
    return replace(agenda, locale=person_locale(person, person.mission))


def _feed(agenda, scope: str, endpoint: str, token: str, last_modified=None):
    exported = agenda_calendar(
        agenda,
        calendar_name=calendar_name_for(agenda, scope),
        feed_url=url_for(endpoint, token=token, _external=True),
    )
    return calendar_response(
        exported, attachment=request.args.get("download") == "1", last_modified=last_modified
    )


def _not_modified(etag: str, last_modified) -> bool:
    """The ETag decides when the client sends one (RFC 9110, 13.2.2); else the date does."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    since = request.if_modified_since
    return bool(since and last_modified and last_modified.replace(microsecond=0) <= since)


def calendar_response(exported: ExportedFile, *, attachment: bool, last_modified=None):
    """The file, or 304 Not Modified when the client already holds this version."""
    etag = content_etag(exported.content)
    if _not_modified(etag, last_modified):
        response = current_app.response_class(status=304)
        del response.headers["Content-Type"]
    else:
        response = current_app.response_class(exported.content, content_type=exported.content_type)
        disposition = "attachment" if attachment else "inline"
        response.headers.set("Content-Disposition", disposition, filename=exported.filename)
    response.set_etag(etag, weak=True)
    if last_modified:
        response.last_modified = last_modified
    response.headers["Cache-Control"] = FEED_CACHE_CONTROL
    return response
