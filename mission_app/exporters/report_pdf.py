"""The mission report as PDF: templates/pdf/report.html on the documents' shared layout, with
bar charts drawn as inline SVG by exporters/charts.py."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

from mission_app.exporters import ExportedFile, filename_slug
from mission_app.exporters import pdf as pdf_exporter
from mission_app.exporters.charts import (
    HELD,
    NO_SHOW,
    NOT_RECORDED,
    STAGE_COLOURS,
    Series,
    bar_chart,
)
from mission_app.services.followups import format_amount, format_money
from mission_app.services.reports import CountRow, MissionReport, format_rate

# More bars than this would not fit on one page; the table lists every firm.
MAX_FIRMS_IN_CHART = 30


@dataclass(frozen=True)
class ReportCharts:
    country: Markup | None
    category: Markup | None
    firm: Markup | None
    firm_shown: int
    stages: Markup | None
    values: tuple[tuple[str, Markup], ...]  # one chart per currency that has a value


def _outcome_chart(title: str, rows: tuple[CountRow, ...]) -> Markup | None:
    if not any(row.counts.scheduled for row in rows):
        return None
    series = [
        Series(_("Held"), HELD),
        Series(_("No-show"), NO_SHOW),
        Series(_("Not recorded"), NOT_RECORDED, text_colour="#1d2433"),
    ]
    return bar_chart(
        title,
        [row.label for row in rows],
        series,
        [(row.counts.held, row.counts.no_show, row.counts.pending) for row in rows],
        unit=_("meetings"),
    )


def report_charts(report: MissionReport) -> ReportCharts:
    """Every chart of the report, worded in the report's language."""
    with force_locale(report.locale):
        firms = report.by_firm[:MAX_FIRMS_IN_CHART]
        stages = None
        if report.follow_up_count:
            stages = bar_chart(
                _("Follow-ups by stage"),
                [row.label for row in report.stages],
                [Series(_("Follow-ups"), STAGE_COLOURS["proposal"])],
                [(row.count,) for row in report.stages],
                unit=_("follow-ups"),
            )
        values = tuple(
            (
                currency,
                bar_chart(
                    _("Estimated value by stage, in %(currency)s", currency=currency),
                    [row.label for row in report.stages],
                    [Series(currency, STAGE_COLOURS["contract"])],
                    [(row.totals.get(currency, 0),) for row in report.stages],
                    value_text=lambda value, currency=currency: format_money(value, currency),
                    tick_text=format_amount,
                    unit=currency,
                ),
            )
            for currency in report.currencies
        )
        return ReportCharts(
            country=_outcome_chart(_("Meetings by country"), report.by_country),
            category=_outcome_chart(_("Meetings by category of counterpart"), report.by_category),
            firm=_outcome_chart(_("Meetings by delegation firm"), firms),
            firm_shown=len(firms),
            stages=stages,
            values=values,
        )


def report_pdf(report: MissionReport) -> ExportedFile:
    with force_locale(report.locale):
        title = _("Mission report")
    content = pdf_exporter.render_pdf(
        "pdf/report.html",
        locale=report.locale,
        title=title,
        mission_title=report.mission_title,
        report=report,
        charts=report_charts(report),
        money=format_money,
        rate=format_rate,
    )
    return ExportedFile(
        content, pdf_exporter.PDF, f"report-{filename_slug(report.mission_title)}.pdf"
    )
