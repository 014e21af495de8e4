"""The mission report: exact counts and rate, follow-ups per currency, the PDF read back with
poppler and the workbook read back with openpyxl (values, number types, charts, and names that
look like formulas kept as inert text)."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from datetime import UTC, datetime, time
from decimal import Decimal

import openpyxl
import pytest

from mission_app.exporters.charts import Series, bar_chart, nice_step
from mission_app.exporters.report_pdf import report_charts, report_pdf
from mission_app.exporters.report_xlsx import report_xlsx
from mission_app.services import reports
from mission_app.services.reports import OutcomeCounts
from tests import factories
from tests.mission_day import build_mission_day

MADE = datetime(2026, 5, 20, 8, 30, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    result = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True, check=True
    )
    return result.stdout.decode()


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def day(app_ctx):
    return build_mission_day()


@pytest.fixture
def report(day):
    return reports.build_report(day.mission, "fr", now=MADE)


def _rows(rows):
    c = lambda r: r.counts  # noqa: E731
    return [(r.label, c(r).held, c(r).no_show, c(r).pending, c(r).cancelled) for r in rows]


def test_build_report_counts_every_meeting_once(report):
    assert report.totals == OutcomeCounts(held=4, no_show=1, pending=2, cancelled=1)
    assert (report.totals.scheduled, report.totals.recorded, report.totals.rate) == (7, 5, 0.8)
    assert _rows(report.by_country) == [("Sénégal", 2, 1, 1, 1), ("Mauritanie", 2, 0, 1, 0)]
    assert _rows(report.by_category) == [
        ("Directeur des achats", 1, 0, 1, 1),
        ("DSI", 2, 0, 0, 0),
        ("Opérateur TIC", 1, 1, 1, 0),
    ]
    assert _rows(report.by_firm) == [("Atlas Logiciels", 2, 1, 1, 0), ("Cyber Sahel", 2, 0, 1, 1)]
    assert [round(r.counts.rate, 4) for r in report.by_country] == [0.6667, 1.0]
    assert report.cities == ("Dakar", "Nouakchott")


def test_build_report_says_what_the_rate_is_computed_on(report):
    assert report.rate_basis == (
        "Tenus ÷ (tenus + absences), calculé sur les rendez-vous dont l’issue a été saisie (5). "
        "Ne sont pas comptés : rendez-vous non saisis, 2 ; rendez-vous annulés, 1."
    )


def test_build_report_follow_ups_by_stage_with_totals_per_currency(report):
    assert [(s.label, s.count, s.without_value, s.totals) for s in report.stages] == [
        ("Piste", 2, 1, {"XOF": Decimal("2500000.00")}),
        ("Proposition", 1, 0, {"MAD": Decimal("150000.10")}),
        ("Contrat", 2, 0, {"MAD": Decimal("99999.20"), "MRU": Decimal("1234567.89")}),
    ]
    assert report.follow_up_totals == {
        "MAD": Decimal("249999.30"),
        "XOF": Decimal("2500000.00"),
        "MRU": Decimal("1234567.89"),
    }
    assert report.follow_up_count == 5


def test_build_report_without_outcomes_has_no_rate(app_ctx):
    day = build_mission_day(follow_ups=False)
    for meeting in day.meetings.values():
        meeting.outcome = None
    report = reports.build_report(day.mission, "fr", now=MADE)
    assert (report.totals.rate, reports.format_rate(report.totals.rate)) == (None, "—")
    assert report.follow_up_totals == {}


def test_format_rate_one_decimal_in_the_readers_language(app_ctx):
    assert reports.format_rate(2 / 3) == "66,7\u00a0%"


def test_report_pdf_has_titles_figures_and_charts(report):
    exported = report_pdf(report)
    assert exported.content.startswith(b"%PDF-")
    assert exported.filename == "report-mission-tic-dakarnouakchott-2026.pdf"
    text = flat(pdf_text(exported.content))
    for expected in [
        "Rapport de mission",
        "Mission TIC Dakar–Nouakchott 2026",
        "Agence marocaine des exportations · Dakar, Nouakchott",
        "Établi le mer. 20 mai 2026, 08:30 (UTC)",
        "7 4 1 2 1 80,0 %",
        "Taux de rendez-vous tenus : Tenus ÷ (tenus + absences), calculé sur les rendez-vous "
        "dont l’issue a été saisie (5).",
        "Rendez-vous par pays",
        "Pays Tenu Absence Non saisi Au planning Annulé Taux de tenue",
        "Sénégal 2 1 1 4 1 66,7 %",
        "Mauritanie 2 0 1 3 0 100,0 %",
        "Total 4 1 2 7 1 80,0 %",
        "Rendez-vous par catégorie d’interlocuteur",
        "Directeur des achats 1 0 1 2 1 100,0 %",
        "Opérateur TIC 1 1 1 3 0 50,0 %",
        "Rendez-vous par entreprise de la délégation",
        "Atlas Logiciels 2 1 1 4 0 66,7 %",
        "Cyber Sahel 2 0 1 3 1 100,0 %",
        "Suivis par étape",
        "Piste 2 1 — 2 500 000 XOF —",
        "Proposition 1 0 150 000,10 MAD — —",
        "Total 5 1 249 999,30 MAD 2 500 000 XOF 1 234 567,89 MRU",
        "Valeur estimée par étape, en MRU",
    ]:
        assert expected in text, expected
    # The charts are vector drawings with their legends in French, not pictures.
    assert "Tenu Absence Non saisi" in text
    assert (
        subprocess.run(["pdfimages", "-list", "-"], input=exported.content, capture_output=True)
        .stdout.decode()
        .count("\n")
        <= 2
    )


def test_report_pdf_prints_typed_names_as_text(app_ctx):
    day = build_mission_day(atlas_name='<img src="file:///etc/passwd"> Atlas')
    exported = report_pdf(reports.build_report(day.mission, "fr", now=MADE))
    assert '<img src="file:///etc/passwd"> Atlas' in flat(pdf_text(exported.content))


def test_report_pdf_in_english(day):
    text = flat(pdf_text(report_pdf(reports.build_report(day.mission, "en", now=MADE)).content))
    assert "Mission report" in text
    assert "Country Held No-show Not recorded On the schedule Cancelled Rate held" in text
    assert "Senegal 2 1 1 4 1 66.7%" in text


def _workbook(report) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(report_xlsx(report).content))


def test_report_xlsx_has_one_sheet_per_table_with_numbers(report):
    workbook = _workbook(report)
    assert workbook.sheetnames == [
        "Synthèse",
        "Par pays",
        "Par catégorie",
        "Par entreprise",
        "Suivis par étape",
        "Suivis",
        "Rendez-vous",
    ]
    country = workbook["Par pays"]
    assert [[cell.value for cell in row] for row in country.iter_rows()] == [
        ["Pays", "Tenu", "Absence", "Non saisi", "Au planning", "Annulé", "Taux de tenue"],
        ["Sénégal", 2, 1, 1, 4, 1, pytest.approx(2 / 3)],
        ["Mauritanie", 2, 0, 1, 3, 0, 1],
        ["Total", 4, 1, 2, 7, 1, 0.8],
    ]
    assert country["G2"].number_format == "0.0%"
    summary = {
        row[0].value: row[1].value for row in workbook["Synthèse"].iter_rows() if row[0].value
    }
    assert summary["Rendez-vous au planning"] == 7
    assert summary["Taux de rendez-vous tenus"] == 0.8
    assert summary["Base de calcul"] == report.rate_basis
    assert summary["Valeur estimée en MAD"] == pytest.approx(249999.30)
    stages = workbook["Suivis par étape"]
    assert [[cell.value for cell in row] for row in stages.iter_rows()] == [
        ["Étape", "Suivis", "Sans valeur", "Valeur en MAD", "Valeur en XOF", "Valeur en MRU"],
        ["Piste", 2, 1, None, 2500000, None],
        ["Proposition", 1, 0, 150000.1, None, None],
        ["Contrat", 2, 0, 99999.2, None, 1234567.89],
        ["Total", 5, 1, 249999.3, 2500000, 1234567.89],
    ]
    assert stages["D3"].number_format == "#,##0.00"
    meetings = workbook["Rendez-vous"]
    assert (meetings["A2"].number_format, meetings["B2"].number_format) == ("dd/mm/yyyy", "hh:mm")
    assert meetings.max_row == 9  # a header and 8 meetings, cancelled one included
    assert [cell.value for cell in meetings[1]][:2] == ["Date", "Heure locale"]
    assert [cell.value for cell in meetings[2]] == [
        datetime(2026, 5, 12, 0, 0),
        time(9, 0),
        "Dakar",
        "Sénégal",
        "Hôtel Terrou-Bi",
        1,
        "Atlas Logiciels",
        "Banque de la Téranga",
        "DSI",
        "Tenu",
        "Proposition",
    ]


def test_report_xlsx_has_native_bar_charts_on_the_tables(report):
    data = report_xlsx(report).content
    archive = zipfile.ZipFile(io.BytesIO(data))
    charts = sorted(name for name in archive.namelist() if name.startswith("xl/charts/chart"))
    assert len(charts) == 4  # country, category, firm, follow-ups by stage
    first = archive.read(charts[0]).decode()
    assert '<barChart><barDir val="bar" /><grouping val="stacked" />' in first
    # The series read the sheet's own cells; the total row is not charted.
    assert "<val><numRef><f>'Par pays'!$B$2:$B$3</f></numRef></val>" in first
    assert "<cat><strRef><f>'Par pays'!$A$2:$A$3</f></strRef></cat>" in first
    workbook = _workbook(report)
    assert [len(workbook[name]._charts) for name in workbook.sheetnames] == [0, 1, 1, 1, 1, 0, 0]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x","y")', "+33 1 23", "-1", "@SUM(A1)"])
def test_report_xlsx_names_that_look_like_formulas_stay_text(app_ctx, name):
    day = build_mission_day(atlas_name=name)
    data = report_xlsx(reports.build_report(day.mission, "fr", now=MADE)).content
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [
        cell
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value == name
    ]
    # The firm's row on the firms sheet, its follow-ups, and its four meetings.
    assert len(cells) == 1 + 3 + 4
    assert {(cell.data_type, cell.quotePrefix) for cell in cells} == {("s", True)}
    for sheet_xml in (
        n for n in zipfile.ZipFile(io.BytesIO(data)).namelist() if "worksheets/" in n
    ):
        assert "<f>" not in zipfile.ZipFile(io.BytesIO(data)).read(sheet_xml).decode()


def test_nice_step_cuts_the_scale_in_round_numbers():
    assert [nice_step(n) for n in (0, 3, 7, 12, 48, 130, 2_500_000)] == [
        1,
        1,
        2,
        2,
        10,
        50,
        500_000,
    ]


def test_bar_chart_escapes_labels_and_draws_one_bar_per_segment():
    svg = bar_chart(
        "Rendez-vous",
        ["<b>Atlas</b>", "Sonatel"],
        [Series("Tenu", "#0b6e4f"), Series("Absence", "#c2410c")],
        [(2, 1), (0, 3)],
    )
    assert "&lt;b&gt;Atlas&lt;/b&gt;" in svg and "<b>" not in svg
    assert len(re.findall(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="16"', svg)) == 3
    assert "style=" not in svg


def test_bar_chart_uses_fewer_ticks_when_their_labels_are_long(app_ctx):
    from mission_app.services.followups import format_amount

    svg = bar_chart(
        "Valeur estimée",
        ["Piste", "Proposition"],
        [Series("XOF", "#1e3a8a")],
        [(13_620_893,), (44_789_126,)],
        tick_text=format_amount,
    )
    ticks = re.findall(r'text-anchor="middle">([^<]+)</text>', svg)
    assert ticks == [
        "0",
        "10\u202f000\u202f000",
        "20\u202f000\u202f000",
        "30\u202f000\u202f000",
        "40\u202f000\u202f000",
        "50\u202f000\u202f000",
    ]


def test_build_report_lists_a_firm_that_got_no_meeting(day):
    factories.OrganisationFactory(mission=day.mission, name="Maghreb Data")
    report = reports.build_report(day.mission, "fr", now=MADE)
    assert _rows(report.by_firm)[-1] == ("Maghreb Data", 0, 0, 0, 0)
    assert report.by_firm[-1].counts.rate is None
    assert report.totals == OutcomeCounts(held=4, no_show=1, pending=2, cancelled=1)


def test_report_charts_show_the_30_firms_with_most_meetings(app_ctx):
    firms = tuple(
        reports.CountRow(str(n), f"Firme {n:02d}", OutcomeCounts(held=40 - n)) for n in range(35)
    )
    report = reports.MissionReport(
        mission_id=1,
        mission_title="Mission",
        organiser="",
        locale="fr",
        generated_at=MADE,
        cities=("Dakar",),
        totals=OutcomeCounts(held=sum(40 - n for n in range(35))),
        by_country=(),
        by_category=(),
        by_firm=firms,
        stages=(),
        follow_up_totals={},
        follow_up_count=0,
    )
    charts = report_charts(report)
    assert charts.firm_shown == 30
    assert re.findall(r"<title>(Firme \d+)</title>", charts.firm) == [
        f"Firme {n:02d}" for n in range(30)
    ]
    assert (charts.country, charts.stages, charts.values) == (None, None, ())
    text = flat(pdf_text(report_pdf(report).content))
    assert (
        "Le graphique montre les 30 entreprises qui ont le plus de rendez-vous ; le tableau "
        "les liste toutes (35)."
    ) in text
    assert "Firme 34 6 0 0 6 0 100,0 %" in text
