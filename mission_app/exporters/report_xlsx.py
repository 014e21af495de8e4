"""The mission report as an Excel workbook: a summary sheet, one sheet per table, each with a
native Excel bar chart drawn from the sheet's own cells, and the meetings and follow-ups one per
row for organisers who want to sort and filter them.

Every cell goes through exporters/spreadsheets.py, so that a firm named `=HYPERLINK(...)` stays
text. Numbers are numbers (counts, rates as percentages, amounts with two decimals), never text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import openpyxl
from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.data_source import AxDataSource, StrRef
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from mission_app.exporters import ExportedFile, filename_slug
from mission_app.exporters.charts import HELD, NO_SHOW, NOT_RECORDED, STAGE_COLOURS
from mission_app.exporters.spreadsheets import append_row
from mission_app.services.reports import CountRow, MissionReport
from mission_app.services.timezones import format_local

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_FILL = PatternFill("solid", fgColor="E3F2EC")
TOTAL_FILL = PatternFill("solid", fgColor="F2F4F7")
PERCENT = "0.0%"
AMOUNT = "#,##0.00"
INVALID_IN_SHEET_TITLES = str.maketrans({c: " " for c in "[]:*?/\\"})


def _title(text: str) -> str:
    return str(text).translate(INVALID_IN_SHEET_TITLES)[:31]


def _header(sheet, values: Sequence[object]) -> None:
    append_row(sheet, values)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def _widths(sheet, widths: Sequence[int]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def _local(instant: datetime, zone: str) -> datetime:
    """Wall-clock time where the meeting took place, as Excel wants it (no zone)."""
    return instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)


def _date_and_time(sheet, locale: str) -> None:
    """Real dates and times in the first two cells of the last row, sortable in Excel."""
    row = sheet.max_row
    sheet.cell(row=row, column=1).number_format = "dd/mm/yyyy" if locale == "fr" else "yyyy-mm-dd"
    sheet.cell(row=row, column=2).number_format = "hh:mm"


def _text_categories(chart, reference: Reference) -> None:
    """Category labels are names: a string reference, where openpyxl would write a numeric one."""
    for series in chart.series:
        series.cat = AxDataSource(strRef=StrRef(f=str(reference)))


def _count_sheet(workbook, title: str, first_heading: str, rows: Sequence[CountRow], report):
    sheet = workbook.create_sheet(_title(title))
    _header(
        sheet,
        [
            first_heading,
            _("Held"),
            _("No-show"),
            _("Not recorded"),
            _("On the schedule"),
            _("Cancelled"),
            _("Rate held"),
        ],
    )
    for row in rows:
        c = row.counts
        append_row(
            sheet, [row.label, c.held, c.no_show, c.pending, c.scheduled, c.cancelled, c.rate]
        )
    t = report.totals
    append_row(sheet, [_("Total"), t.held, t.no_show, t.pending, t.scheduled, t.cancelled, t.rate])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = TOTAL_FILL
    for (cell,) in sheet.iter_rows(min_row=2, min_col=7, max_col=7):
        cell.number_format = PERCENT
    _widths(sheet, [40, 10, 12, 14, 16, 11, 14])
    sheet.freeze_panes = "B2"
    if rows:
        chart = BarChart()
        chart.type = "bar"  # horizontal bars: long names stay readable
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = title
        chart.y_axis.title = _("Meetings")
        chart.x_axis.scaling.orientation = "maxMin"  # first row at the top, as in the table
        chart.y_axis.majorGridlines = None
        # Excel hides the axes of a new chart unless told otherwise.
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        last = len(rows) + 1  # the total row is not charted
        data = Reference(sheet, min_col=2, max_col=4, min_row=1, max_row=last)
        chart.add_data(data, titles_from_data=True)
        _text_categories(chart, Reference(sheet, min_col=1, min_row=2, max_row=last))
        chart.y_axis.crosses = "max"  # with the rows top-down, keep the scale at the bottom
        chart.legend.position = "b"
        for series, colour in zip(chart.series, (HELD, NO_SHOW, NOT_RECORDED), strict=True):
            series.graphicalProperties.solidFill = colour.lstrip("#")
            series.graphicalProperties.line.solidFill = colour.lstrip("#")
        chart.height = max(7.5, 1.5 + 0.6 * len(rows))
        chart.width = 18
        sheet.add_chart(chart, "I2")
    return sheet


def report_xlsx(report: MissionReport) -> ExportedFile:
    with force_locale(report.locale):
        workbook = openpyxl.Workbook()
        summary = workbook.active
        summary.title = _title(_("Summary"))
        append_row(summary, [_("Mission report"), report.mission_title])
        summary["A1"].font = Font(bold=True, size=14)
        summary["B1"].font = Font(bold=True, size=14)
        append_row(summary, [_("Organiser"), report.organiser])
        append_row(summary, [_("Cities"), ", ".join(report.cities)])
        append_row(
            summary, [_("Made on (UTC)"), format_local(report.generated_at, "UTC", "datetime")]
        )
        append_row(summary, [])
        t = report.totals
        for label, value in (
            (_("Meetings on the schedule"), t.scheduled),
            (_("Held"), t.held),
            (_("No-show"), t.no_show),
            (_("Not recorded"), t.pending),
            (_("Cancelled"), t.cancelled),
            (_("Rate of meetings held"), t.rate),
        ):
            append_row(summary, [label, value])
        rate_cell = summary.cell(row=summary.max_row, column=2)
        rate_cell.number_format = PERCENT
        rate_cell.font = Font(bold=True)
        append_row(summary, [_("Computed on"), report.rate_basis])
        summary.cell(row=summary.max_row, column=2).alignment = Alignment(wrap_text=True)
        append_row(summary, [])
        append_row(summary, [_("Follow-ups"), report.follow_up_count])
        for currency, total in report.follow_up_totals.items():
            append_row(summary, [_("Estimated value in %(currency)s", currency=currency), total])
            summary.cell(row=summary.max_row, column=2).number_format = AMOUNT
        _widths(summary, [34, 70])

        _count_sheet(workbook, _("By country"), _("Country"), report.by_country, report)
        _count_sheet(
            workbook, _("By category"), _("Category of counterpart"), report.by_category, report
        )
        _count_sheet(workbook, _("By firm"), _("Delegation firm"), report.by_firm, report)
        _stage_sheet(workbook, report)
        _follow_up_sheet(workbook, report)
        _meeting_sheet(workbook, report)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ExportedFile(
        buffer.getvalue(), XLSX, f"report-{filename_slug(report.mission_title)}.xlsx"
    )


def _stage_sheet(workbook, report: MissionReport) -> None:
    sheet = workbook.create_sheet(_title(_("Follow-ups by stage")))
    currencies = report.all_currencies
    _header(
        sheet,
        [
            _("Stage"),
            _("Follow-ups"),
            _("Without a value"),
            *(_("Value in %(currency)s", currency=c) for c in currencies),
        ],
    )
    for row in report.stages:
        append_row(
            sheet,
            [row.label, row.count, row.without_value, *(row.totals.get(c) for c in currencies)],
        )
    append_row(
        sheet,
        [
            _("Total"),
            report.follow_up_count,
            sum(row.without_value for row in report.stages),
            *(report.follow_up_totals.get(c) for c in currencies),
        ],
    )
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
        cell.fill = TOTAL_FILL
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=3 + len(currencies)):
        for cell in row:
            cell.number_format = AMOUNT
    _widths(sheet, [22, 12, 14, *(18 for _c in currencies)])
    chart = BarChart()
    chart.type = "col"
    chart.title = _("Follow-ups by stage")
    chart.y_axis.title = _("Follow-ups")
    chart.legend = None
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    last = len(report.stages) + 1
    chart.add_data(Reference(sheet, min_col=2, min_row=1, max_row=last), titles_from_data=True)
    _text_categories(chart, Reference(sheet, min_col=1, min_row=2, max_row=last))
    chart.series[0].graphicalProperties.solidFill = STAGE_COLOURS["proposal"].lstrip("#")
    chart.height, chart.width = 7.5, 12
    sheet.add_chart(chart, "A8")


def _follow_up_sheet(workbook, report: MissionReport) -> None:
    sheet = workbook.create_sheet(_title(_("Follow-ups")))
    _header(
        sheet,
        [
            _("Date"),
            _("Local time"),
            _("City"),
            _("Delegation firm"),
            _("Counterpart"),
            _("Stage"),
            _("Estimated value"),
            _("Currency"),
            _("Notes"),
        ],
    )
    for line in report.follow_ups:
        local = _local(line.start, line.zone)
        append_row(
            sheet,
            [
                local.date(),
                local.time(),
                line.city,
                line.delegation,
                line.host,
                line.stage,
                line.estimated_value,
                line.currency or "",
                line.notes,
            ],
        )
        _date_and_time(sheet, report.locale)
        sheet.cell(row=sheet.max_row, column=7).number_format = AMOUNT
        sheet.cell(row=sheet.max_row, column=9).alignment = Alignment(wrap_text=True)
    _widths(sheet, [12, 8, 14, 30, 30, 12, 16, 9, 60])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:I{max(1, sheet.max_row)}"


def _meeting_sheet(workbook, report: MissionReport) -> None:
    sheet = workbook.create_sheet(_title(_("Meetings")))
    _header(
        sheet,
        [
            _("Date"),
            _("Local time"),
            _("City"),
            _("Country"),
            _("Venue"),
            _("Table"),
            _("Delegation firm"),
            _("Counterpart"),
            _("Category of counterpart"),
            _("State"),
            _("Follow-up"),
        ],
    )
    for line in report.meetings:
        local = _local(line.start, line.zone)
        append_row(
            sheet,
            [
                local.date(),
                local.time(),
                line.city,
                line.country,
                line.venue,
                line.table,
                line.delegation,
                line.host,
                line.category,
                line.state,
                line.stage,
            ],
        )
        _date_and_time(sheet, report.locale)
    _widths(sheet, [12, 8, 14, 14, 24, 7, 30, 30, 24, 14, 12])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:K{max(1, sheet.max_row)}"


__all__ = ["report_xlsx"]
