"""PDF documents read back with poppler: every meeting with its time and counterpart, page
numbers, embedded fonts, Arabic, pages that never split a meeting, and nothing fetched."""

from __future__ import annotations

import io
import re
import socket
import subprocess
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import zxingcpp
from flask import current_app, url_for
from flask_babel import force_locale
from PIL import Image

from mission_app.exporters import pdf
from mission_app.extensions import db
from mission_app.services import agendas, documents
from tests import factories

DAY = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)  # Dakar is UTC+0, Nouakchott too
LEGS = {"dakar": ("Dakar", "SN", "Africa/Dakar"), "casa": ("Casablanca", "MA", "Africa/Casablanca")}


def pdf_text(content: bytes, page: int | None = None, tmp_path=None) -> str:
    args = ["pdftotext", "-layout"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    result = subprocess.run([*args, "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode()


def pdf_pages(content: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout.decode(), re.M).group(1))


def pdf_page_size(content: bytes) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True, check=True)
    match = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+)", info.stdout.decode(), re.M)
    return float(match.group(1)), float(match.group(2))


def pdf_fonts(content: bytes) -> list[list[str]]:
    result = subprocess.run(["pdffonts", "-"], input=content, capture_output=True, check=True)
    return [line.split() for line in result.stdout.decode().splitlines()[2:]]


def pdf_image_count(content: bytes) -> int:
    result = subprocess.run(["pdfimages", "-list", "-"], input=content, capture_output=True)
    if result.returncode != 0:  # older poppler cannot read stdin: go through a file
        return -1
    return len(result.stdout.decode().splitlines()[2:])


def as_poppler_reads_arabic(text: str) -> str:
    """pdftotext gives the two letters of a lam-alef ligature in reverse order (a poppler quirk
    with ligatures in right-to-left runs): write expected Arabic the same way."""
    for alef in "اأإآ":
        text = text.replace("ل" + alef, alef + "ل")
    return text


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def dakar(app_ctx):
    """A mission in Dakar: a firm with two delegates, three hosts, meetings and a workshop."""
    mission = factories.MissionFactory(title="Mission TIC Dakar 2026")
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=3)
    factories.MeetingWindowFactory(venue=venue, start_at=DAY, end_at=DAY + timedelta(hours=3))
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    karim = factories.PersonFactory(organisation=firm, name="Karim Benali")
    salma = factories.PersonFactory(organisation=firm, name="Salma El Idrissi")
    hosts = [
        factories.OrganisationFactory(
            mission=mission, host=True, name=name, description=f"Profil de {name}."
        )
        for name in ("Sonatel", "Port autonome de Dakar", "Kora Informatique")
    ]
    host_people = [
        factories.PersonFactory(organisation=h, name=f"Directeur {h.name}") for h in hosts
    ]
    meetings = []
    for k, (host, who) in enumerate(zip(hosts, [karim, salma, karim], strict=True)):
        request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
        request.attendees = [who, host_people[k]]
        meetings.append(
            factories.MeetingFactory(
                request=request,
                venue=venue,
                table_number=k + 1,
                start_at=DAY + timedelta(minutes=30 * k),
                end_at=DAY + timedelta(minutes=30 * (k + 1)),
            )
        )
    workshop = factories.ActivityFactory(
        mission=mission, leg_id=leg.id, title="Atelier marché TIC", location="CICAD"
    )
    workshop.attendees = [karim, salma]
    db.session.commit()
    return {
        "mission": mission,
        "leg": leg,
        "venue": venue,
        "firm": firm,
        "karim": karim,
        "salma": salma,
        "hosts": hosts,
        "meetings": meetings,
    }


def test_person_agenda_lists_each_meeting_with_time_counterpart_and_table(dakar):
    agenda = agendas.person_agenda(dakar["mission"], dakar["karim"], source="working")
    content = pdf.person_agenda_pdf(agenda, portal_url="https://missions.example/p/abc").content
    text = flat(pdf_text(content))
    assert "Karim Benali" in text
    assert "09:00–09:30 Sonatel" in text
    assert "10:00–10:30 Kora Informatique" in text
    assert "Port autonome de Dakar" not in text  # Salma's meeting, not Karim's
    assert "Table 1" in text and "Table 3" in text
    assert "15:00–17:00 Atelier marché TIC" in text
    assert "heures en Africa/Dakar" in text
    assert "Page 1 / 1" in text


def test_person_agenda_shows_times_in_the_zone_of_the_leg(dakar):
    dakar["leg"].timezone = "Africa/Casablanca"  # UTC+1 in May 2026, outside Ramadan
    db.session.commit()
    agenda = agendas.person_agenda(dakar["mission"], dakar["karim"], source="working")
    text = flat(pdf_text(pdf.person_agenda_pdf(agenda, portal_url=None).content))
    assert "10:00–10:30 Sonatel" in text
    assert "(UTC+1)" in text


def test_every_document_embeds_its_fonts(dakar):
    mission = dakar["mission"]
    files = [
        documents.person_agenda_file(
            mission, dakar["karim"], lambda p: "https://x.example/p/1", source="working"
        ),
        documents.organisation_agenda_file(
            mission, dakar["firm"], lambda p: None, source="working"
        ),
        pdf.door_sheet_pdf(documents.door_sheet(mission, dakar["venue"].id, 1, DAY.date())),
        pdf.master_grid_pdf(documents.master_grid(mission, dakar["leg"].id, DAY.date())),
        pdf.booklet_pdf(documents.booklet(mission)),
    ]
    for exported in files:
        fonts = pdf_fonts(exported.content)
        assert fonts, exported.filename
        assert all("DejaVu" in font[0] for font in fonts), fonts
        # columns: name type encoding emb sub uni object-id generation
        assert all(font[-5] == "yes" for font in fonts), (exported.filename, fonts)
        assert exported.content_type == "application/pdf"


def test_firm_agenda_covers_all_its_delegates(dakar):
    exported = documents.organisation_agenda_file(
        dakar["mission"], dakar["firm"], lambda p: f"https://x.example/p/{p.id}", source="working"
    )
    text = flat(pdf_text(exported.content))
    assert exported.filename == "agenda-atlas-logiciels.pdf"
    assert "Delegation firm's agenda".upper() in text.upper() or "AGENDA DE L" in text.upper()
    assert "09:00–09:30 Sonatel" in text
    assert "09:30–10:00 Port autonome de Dakar" in text
    assert "10:00–10:30 Kora Informatique" in text
    assert "Pour nous : Salma El Idrissi" in text
    assert text.count("Karim Benali") >= 3  # in the people list and beside his meetings


def test_host_agenda_shows_the_firm_and_who_comes(dakar):
    host = dakar["hosts"][0]
    text = flat(
        pdf_text(
            documents.organisation_agenda_file(
                dakar["mission"], host, lambda p: None, source="working"
            ).content
        )
    )
    assert "09:00–09:30 Atlas Logiciels" in text
    assert "Karim Benali" in text
    assert "Pour nous : Directeur Sonatel" in text


def test_door_sheet_names_table_day_and_both_organisations_of_each_slot(dakar):
    sheet = documents.door_sheet(dakar["mission"], dakar["venue"].id, 2, DAY.date())
    exported = pdf.door_sheet_pdf(sheet)
    text = flat(pdf_text(exported.content))
    assert exported.filename == "table-2-hotel-terrou-bi-2026-05-12.pdf"
    assert "Table 2" in text
    assert "Mardi 12 mai 2026" in text
    assert "09:30–10:00 Atlas Logiciels rencontre Port autonome de Dakar" in text
    assert "Sonatel" not in text  # at table 1


def test_master_grid_is_landscape_with_every_meeting(dakar):
    grid = documents.master_grid(dakar["mission"], dakar["leg"].id, DAY.date())
    content = pdf.master_grid_pdf(grid).content
    width, height = pdf_page_size(content)
    assert width > height
    text = pdf_text(content)
    for name in ("Sonatel", "Port autonome de Dakar", "Kora Informatique"):
        assert name in flat(text)
    assert flat(text).count("Atlas Logiciels") == 3
    assert "09:00" in text and "11:30" in text  # the window's first and last slots


def test_booklet_has_the_programme_then_one_page_per_organisation(dakar):
    content = pdf.booklet_pdf(documents.booklet(dakar["mission"])).content
    pages = pdf_pages(content)
    assert pages == 1 + 1 + 4  # cover, programme, four organisations
    assert "Atelier marché TIC" in flat(pdf_text(content, page=2))
    profiles = [flat(pdf_text(content, page=n)) for n in range(3, pages + 1)]
    assert "Atlas Logiciels" in profiles[0] and "Salma El Idrissi" in profiles[0]
    assert [p for p in profiles if "Profil de Sonatel." in p]
    assert f"Page 3 / {pages}" in profiles[0]


def test_typed_markup_is_printed_as_text_and_nothing_is_fetched(dakar):
    """`file:///etc/passwd` and a local port typed into names and descriptions come out as
    text; the fetcher is never asked for them and no connection reaches the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    karim, host = dakar["karim"], dakar["hosts"][0]
    karim.name = '<img src="file:///etc/passwd">'
    karim.position = f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css">'
    host.description = f'<img src="http://127.0.0.1:{port}/"> <iframe src="file:///etc/passwd">'
    host.name = f"<style>@import url(http://127.0.0.1:{port}/a.css);</style>Sonatel"
    # The mission's title is also written into the page CSS, as the running head.
    dakar["mission"].title = '</style><img src="file:///etc/passwd">"; } @page { content: "x'
    db.session.commit()
    try:
        mission = dakar["mission"]
        rendered = []
        for render in (
            lambda f: pdf.person_agenda_pdf(
                agendas.person_agenda(mission, karim, source="working"),
                portal_url="https://x/p/1",
                fetcher=f,
            ),
            lambda f: pdf.organisation_agenda_pdf(
                agendas.organisation_agenda(mission, dakar["firm"], source="working"),
                side="delegation",
                people=[pdf.PersonLink(agendas.PersonRef(karim.name, karim.position, ""), None)],
                fetcher=f,
            ),
            lambda f: pdf.booklet_pdf(documents.booklet(mission), fetcher=f),
            lambda f: pdf.door_sheet_pdf(
                documents.door_sheet(mission, dakar["venue"].id, 1, DAY.date()), fetcher=f
            ),
            lambda f: pdf.master_grid_pdf(
                documents.master_grid(mission, dakar["leg"].id, DAY.date()), fetcher=f
            ),
        ):
            fetcher = pdf.StaticFilesFetcher()
            content = render(fetcher).content
            rendered.append(content)
            assert not [u for u in fetcher.requested if "passwd" in u or "127.0.0.1" in u]
            assert pdf_image_count(content) in (0, -1)
        # Long markup wraps at any line end: compare without spaces.
        texts = ["".join(pdf_text(content).split()) for content in rendered]
        assert '<imgsrc="file:///etc/passwd">' in texts[0]
        assert f'<imgsrc="http://127.0.0.1:{port}/">' in texts[2]
        assert f"@importurl(http://127.0.0.1:{port}/a.css);</style>Sonatel" in texts[3]
        assert f'<linkrel="stylesheet"href="http://127.0.0.1:{port}/x.css">' in texts[1]
        head = flat(pdf_text(rendered[0], page=1)).split(" Agenda de ")[0]
        assert head == '</style><img src="file:///etc/passwd">"; } @page { content: "x'

        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_arabic_agenda_has_arabic_names_labels_and_right_to_left_layout(dakar):
    karim = dakar["karim"]
    karim.name, karim.languages = "محمد الأمين", ["ar"]
    dakar["hosts"][0].name = "سوناتيل"
    db.session.commit()
    agenda = agendas.person_agenda(dakar["mission"], karim, source="working")
    assert agenda.locale == "ar"
    content = pdf.person_agenda_pdf(agenda, portal_url="https://x.example/p/1").content
    text = flat(pdf_text(content))
    assert as_poppler_reads_arabic("محمد الأمين") in text
    assert "سوناتيل" in text
    with force_locale("ar"):
        from flask_babel import gettext

        label = gettext("Personal agenda")
    assert label != "Personal agenda"  # translated
    assert as_poppler_reads_arabic(label) in text
    assert "09:00–09:30" in text
    assert "DejaVu" in pdf_fonts(content)[0][0]


def test_long_agenda_spans_pages_without_splitting_a_meeting(dakar):
    mission, leg, karim = dakar["mission"], dakar["leg"], dakar["karim"]
    venue = factories.VenueFactory(leg=leg, name="Centre de conférences", tables=1)
    for k in range(36):
        host = factories.OrganisationFactory(
            mission=mission,
            host=True,
            name=f"Hôte numéro {k:02d}",
            description=f"Fin du bloc {k:02d}: " + "description longue " * 8,
        )
        factories.PersonFactory(organisation=host, name=f"Contact {k:02d}")
        request = factories.MeetingRequestFactory(
            mission=mission, delegation=dakar["firm"], host=host
        )
        request.attendees = [karim, *host.people]
        start = DAY + timedelta(days=1 + k // 12, minutes=30 * (k % 12))
        factories.MeetingFactory(
            request=request, venue=venue, start_at=start, end_at=start + timedelta(minutes=30)
        )
    db.session.commit()
    agenda = agendas.person_agenda(mission, karim, source="working")
    content = pdf.person_agenda_pdf(agenda, portal_url=None).content
    pages = pdf_pages(content)
    assert pages >= 4
    page_texts = [flat(pdf_text(content, page=n)) for n in range(1, pages + 1)]
    for n, text in enumerate(page_texts, start=1):
        assert f"Page {n} / {pages}" in text
        assert "Mission TIC Dakar 2026" in text  # the running header
    for k in range(36):
        start = DAY + timedelta(days=1 + k // 12, minutes=30 * (k % 12))
        first_line = f"{start:%H:%M}–{start + timedelta(minutes=30):%H:%M} Hôte numéro {k:02d}"
        holding = [n for n, text in enumerate(page_texts, start=1) if first_line in text]
        assert len(holding) == 1, (k, holding)
        page = page_texts[holding[0] - 1]
        assert f"Contact {k:02d}" in page
        assert f"Fin du bloc {k:02d}" in page


def test_cancelled_meeting_is_marked_and_left_off_door_sheets(dakar):
    dakar["meetings"][0].status = "cancelled"
    db.session.commit()
    agenda = agendas.person_agenda(dakar["mission"], dakar["karim"], source="working")
    text = flat(pdf_text(pdf.person_agenda_pdf(agenda, portal_url=None).content))
    assert "09:00–09:30 Sonatel" in text and "Annulé" in text
    assert "1 rendez-vous" in text
    sheet = documents.door_sheet(dakar["mission"], dakar["venue"].id, 1, DAY.date())
    assert sheet.slots == ()


def test_same_agenda_gives_the_same_bytes(dakar):
    agenda = agendas.person_agenda(dakar["mission"], dakar["karim"], source="working")
    first = pdf.person_agenda_pdf(agenda, portal_url="https://x.example/p/1").content
    again = pdf.person_agenda_pdf(agenda, portal_url="https://x.example/p/1").content
    assert first == again
    other_language = pdf.person_agenda_pdf(replace(agenda, locale="en"), portal_url=None).content
    assert "Tuesday 12 May 2026" in flat(pdf_text(other_language)), flat(pdf_text(other_language))[
        :400
    ]


def test_agenda_days_group_by_local_day_and_zone(dakar):
    agenda = agendas.person_agenda(dakar["mission"], dakar["salma"], source="working")
    days = pdf.agenda_days(agenda.entries)
    assert [(d.day, d.zone, len(d.entries)) for d in days] == [
        (date(2026, 5, 12), "Africa/Dakar", 2)
    ]


def qr_codes(content: bytes, page: int = 1) -> list[str]:
    """Every QR code on a page as a phone would read it: poppler draws the page, zxing-cpp
    decodes the picture."""
    png = subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-f", str(page), "-l", str(page), "-"],
        input=content,
        capture_output=True,
        check=True,
    ).stdout
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert all(code.format == zxingcpp.BarcodeFormat.QRCode for code in found)
    return sorted(code.text for code in found)


def portal_url(person) -> str:
    return url_for("portal.show_agenda", token=person.access_token, _external=True)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_agenda_qr_code_reads_as_the_persons_portal_link(dakar, client, language):
    karim = dakar["karim"]
    karim.languages = [language]
    db.session.commit()
    with current_app.test_request_context(base_url="https://missions.example.org"):
        exported = documents.person_agenda_file(
            dakar["mission"], karim, portal_url, source="working"
        )
        expected = portal_url(karim)
    assert expected == f"https://missions.example.org/p/{karim.access_token}"
    assert qr_codes(exported.content) == [expected]
    # The link it holds opens Karim's agenda.
    response = client.get(urlsplit(expected).path)
    assert response.status_code == 200
    assert "Karim Benali" in response.get_data(as_text=True)


def test_firm_agenda_qr_codes_read_as_each_delegates_portal_link(dakar):
    with current_app.test_request_context(base_url="https://missions.example.org"):
        exported = documents.organisation_agenda_file(
            dakar["mission"], dakar["firm"], portal_url, source="working"
        )
        expected = sorted(portal_url(p) for p in (dakar["karim"], dakar["salma"]))
    assert qr_codes(exported.content) == expected
