"""Portal views: what someone holding a link that does not work sees.

A wrong, mistyped or revoked link gets a participant's page, not the organisers' one: the
portal's look, in the visitor's language, and what to do next. The page is the same for every
bad link, so it tells nothing about which links exist.
"""

from __future__ import annotations

from flask import make_response, render_template, request
from flask_babel import force_locale

from mission_app.portal import bp
from mission_app.portal.routes.agenda import LANGUAGE_COOKIE, PORTAL_LANGUAGES
from mission_app.services.errors import NotFound

DEFAULT_LANGUAGE = "fr"


def visitor_language() -> str:
    """The language asked for with ?lang=, else the one this browser chose on the portal before,
    else the best of fr/en/ar in the browser's Accept-Language, else French."""
    asked = request.args.get("lang")
    if asked in PORTAL_LANGUAGES:
        return asked
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    if remembered in PORTAL_LANGUAGES:
        return remembered
    return request.accept_languages.best_match(PORTAL_LANGUAGES) or DEFAULT_LANGUAGE


@bp.errorhandler(NotFound)
def link_not_found(error):
    with force_locale(visitor_language()):
        page = render_template("portal/link_not_found.html", languages=PORTAL_LANGUAGES)
    response = make_response(page, 404)
    response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.get("/", defaults={"rest": ""})
@bp.get("/<path:rest>")
def unknown_link(rest: str):
    """Any other address under /p/ (a link cut short, or with something stuck to its end)."""
    raise NotFound("link")
