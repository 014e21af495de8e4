"""The mission report: the figures on a page, and as PDF and Excel files to download."""

from __future__ import annotations

from io import BytesIO

from flask import render_template, send_file
from flask_babel import get_locale

from mission_app.exporters import ExportedFile
from mission_app.exporters.report_pdf import report_charts, report_pdf
from mission_app.exporters.report_xlsx import report_xlsx
from mission_app.organiser import bp
from mission_app.organiser.common import load_mission
from mission_app.services import reports as service
from mission_app.services.followups import format_money


def _send(exported: ExportedFile):
    return send_file(
        BytesIO(exported.content),
        mimetype=exported.content_type,
        as_attachment=True,
        download_name=exported.filename,
    )


def _report(mission):
    return service.build_report(mission, str(get_locale() or "fr"))


@bp.get("/<int:mission_id>/report")
def show_report(mission_id: int):
    mission = load_mission(mission_id)
    report = _report(mission)
    return render_template(
        "organiser/report/index.html",
        mission=mission,
        report=report,
        charts=report_charts(report),
        money=format_money,
        rate=service.format_rate,
        tab="report",
    )


@bp.get("/<int:mission_id>/report.pdf")
def download_report_pdf(mission_id: int):
    mission = load_mission(mission_id)
    return _send(report_pdf(_report(mission)))


@bp.get("/<int:mission_id>/report.xlsx")
def download_report_xlsx(mission_id: int):
    mission = load_mission(mission_id)
    return _send(report_xlsx(_report(mission)))
