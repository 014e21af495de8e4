"""Portal views: the participant's agenda as a PDF, behind their personal link."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO

from flask import request, send_file, url_for

from mission_app.exporters import pdf
from mission_app.portal import bp
from mission_app.services.agendas import person_agenda
from mission_app.services.portal import person_for_token

PDF_LANGUAGES = ("fr", "en", "ar")


@bp.get("/<token>/agenda.pdf")
def download_agenda_pdf(token: str):
    """The person's agenda in their language, or in the one asked for with ?lang=fr|en|ar."""
    person = person_for_token(token)
    agenda = person_agenda(person.mission, person, source="published")
    if request.args.get("lang") in PDF_LANGUAGES:
        agenda = replace(agenda, locale=request.args["lang"])
    exported = pdf.person_agenda_pdf(
        agenda, portal_url=url_for("portal.show_agenda", token=token, _external=True)
    )
    response = send_file(
        BytesIO(exported.content),
        mimetype=exported.content_type,
        as_attachment=True,
        download_name=exported.filename,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
