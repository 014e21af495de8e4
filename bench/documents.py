"""PDF documents: how long one personal agenda takes, and every agenda of a 300-person mission as
one ZIP, beside a bare WeasyPrint render as the floor.

    python bench/documents.py [--people 300] [--repeat 20]

Builds its own mission on a temporary SQLite database: two legs (Dakar, Nouakchott), a
delegation of firms with two people each, hosts with two people each, one meeting day per leg
with a workshop, and about twelve meetings per firm. Prints figures; it never passes or fails.
Targets (2 cores): a personal agenda within 2x the floor; the whole ZIP in under 60 s.

The floors are bare WeasyPrint renders with its defaults (a new FontConfiguration each time):
"<p>Hello</p>", and one A4 page in the agendas' font with one line per meeting. Beside them, as
a reference rather than a floor, the agenda's own words (read back from its PDF) as plain
paragraphs: what this much text costs to lay out before any styling, and the agenda cut down
to what the issue requires of each meeting. The agenda's render is then split into its phases.
Compare CPU figures: other processes inflate the wall-clock ones.
"""

from __future__ import annotations

import argparse
import html
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SLOTS_PER_DAY = 8
ONE_PAGE = """<!doctype html><html lang="fr"><head><meta charset="utf-8"><style>
@page { size: A4; margin: 20mm 15mm; }
html { font-family: "DejaVu Sans"; font-size: 9.5pt; }
h1 { font-size: 18pt; } .entry { padding: 2mm 0; border-bottom: 0.5pt solid #ccc; }
</style></head><body><h1>Karim Benali</h1><p>Atlas Logiciels</p>%s</body></html>"""


def medians(runs: dict, repeat: int, passes: int = 2) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds of each run. The runs are timed in blocks, one block
    after the other, and the whole sequence is done `passes` times: a block leaves other runs'
    caches and heap out of its figures (the floor stays a bare render), and when the machine
    slows down for a while, every figure gets part of it. On a busy machine the CPU figure is
    the steadier one."""
    walls: dict[str, list[float]] = {name: [] for name in runs}
    cpus: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(passes):
        for name, run in runs.items():
            run()  # not timed: the first run after another document warms caches up
            for _ in range(max(1, repeat // passes)):
                wall, cpu = time.perf_counter(), time.process_time()
                run()
                walls[name].append(time.perf_counter() - wall)
                cpus[name].append(time.process_time() - cpu)
    return {name: (statistics.median(walls[name]), statistics.median(cpus[name])) for name in runs}


def one_page_floor(entries: int) -> str:
    """The floor document: one A4 page in the agendas' font, one line per meeting."""
    return ONE_PAGE % "".join(
        f'<div class="entry"><b>{9 + k // 2:02d}:{30 * (k % 2):02d}</b> Hôte {k:03d} · '
        f"Directeur des systèmes d'information · Table {k + 1}</div>"
        for k in range(entries)
    )


def required_content_only(agenda_html: str) -> str:
    """The agenda with only what the issue asks each meeting to show (time, counterpart, its
    people and positions, table, venue and address) under the same header, QR code and page
    numbers: no description, category tags or bold."""
    cut = re.sub(r'<div class="entry-description">.*?</div>', "", agenda_html)
    cut = re.sub(r' <span class="tag[^"]*">.*?</span>', "", cut)
    cut = cut.replace("<b>", "").replace("</b>", "")
    if "entry-description" in cut or 'class="tag' in cut or len(cut) == len(agenda_html):
        # the template's markup changed: say so rather than time the whole agenda twice
        raise SystemExit("required_content_only: the agenda's markup no longer matches the cut")
    return cut


def build_mission(people_total: int):
    """A mission of `people_total` people: 40 % in the delegation, 60 % hosts, two per firm."""
    from mission_app.extensions import db
    from mission_app.models import (
        Activity,
        Leg,
        Meeting,
        MeetingRequest,
        MeetingWindow,
        Mission,
        Organisation,
        Person,
        Venue,
    )

    mission = Mission(title="Mission TIC Sénégal – Mauritanie (banc d'essai)", organiser="APEN")
    db.session.add(mission)
    db.session.flush()
    day = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)
    firms_count = people_total * 2 // 10  # two people each: 40 % of the people
    hosts_count = (people_total - 2 * firms_count) // 2
    legs, venues = [], []
    for k, (city, country, zone) in enumerate(
        [("Dakar", "SN", "Africa/Dakar"), ("Nouakchott", "MR", "Africa/Nouakchott")]
    ):
        leg = Leg(mission=mission, key=f"leg-{k}", position=k, city=city, country=country)
        leg.timezone, leg.slot_minutes = zone, 30
        venue = Venue(
            mission_id=mission.id,
            leg=leg,
            key=f"venue-{k}",
            name=f"Hôtel de {city}",
            address=f"Boulevard de la Corniche, {city}",
            tables=hosts_count // 2 + 1,
        )
        start = day + timedelta(days=2 * k)
        db.session.add(
            MeetingWindow(
                leg=leg,
                venue=venue,
                start_at=start,
                end_at=start + timedelta(minutes=30 * SLOTS_PER_DAY),
            )
        )
        legs.append(leg)
        venues.append(venue)
    db.session.flush()

    def organisation(key, name, side, category, country, leg=None):
        o = Organisation(
            mission=mission,
            key=key,
            name=name,
            side=side,
            category=category,
            country=country,
            leg_id=leg.id if leg else None,
            sectors=["logiciel", "services"],
            description="Éditeur de logiciels de gestion et intégrateur, clients en Afrique "
            "de l'Ouest.",
        )
        o.people = [
            Person(
                mission=mission,
                key=f"{key}-p{n}",
                name=f"Personne {n} de {name}",
                position="Directeur général" if n == 1 else "Responsable commercial",
                email=f"{key}-{n}@example.org",
                languages=["fr"],
            )
            for n in (1, 2)
        ]
        db.session.add(o)
        return o

    firms = [
        organisation(f"firm-{k}", f"Entreprise marocaine {k:03d}", "delegation", "ict_firm", "MA")
        for k in range(firms_count)
    ]
    hosts = [
        organisation(
            f"host-{k}",
            f"Hôte {k:03d}",
            "host",
            "information_systems",
            legs[k % 2].country,
            legs[k % 2],
        )
        for k in range(hosts_count)
    ]
    db.session.flush()
    for k, leg in enumerate(legs):
        workshop = Activity(
            mission=mission,
            key=f"workshop-{k}",
            kind="workshop",
            title=f"Atelier marché TIC {leg.city}",
            leg_id=leg.id,
            start_at=day + timedelta(days=2 * k, hours=-1),
            end_at=day + timedelta(days=2 * k, hours=-0.25),
            location="Salle plénière",
        )
        workshop.attendees = [p for f in firms for p in f.people]
        db.session.add(workshop)
    # Host h sits at its table all day; in slot s it meets firm (h + stride s) mod F, with a
    # stride prime to F: within a slot no firm is at two tables, and no host meets a firm twice.
    stride = next(s for s in range(7, 7 + len(firms)) if math.gcd(s, len(firms)) == 1)
    meeting_key = 0
    for leg_index, (leg, venue) in enumerate(zip(legs, venues, strict=True)):
        leg_hosts = [h for h in hosts if h.leg_id == leg.id]
        start_of_day = day + timedelta(days=2 * leg_index)
        for table, host in enumerate(leg_hosts, start=1):
            for slot in range(SLOTS_PER_DAY):
                firm = firms[(table + stride * slot) % len(firms)]
                request = MeetingRequest(
                    mission=mission, key=f"r-{meeting_key}", delegation=firm, host=host
                )
                start = start_of_day + timedelta(minutes=30 * slot)
                db.session.add(
                    Meeting(
                        mission=mission,
                        key=f"m-{meeting_key}",
                        request=request,
                        venue=venue,
                        table_number=table,
                        start_at=start,
                        end_at=start + timedelta(minutes=30),
                    )
                )
                meeting_key += 1
    db.session.commit()
    return mission, firms, meeting_key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=20)
    options = parser.parse_args()
    if options.people * 2 // 10 < SLOTS_PER_DAY:
        parser.error(
            f"--people: at least {SLOTS_PER_DAY * 5}, so that there are as many delegation firms "
            "as slots in a day and each host meets a different firm in each slot"
        )

    workdir = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from flask import url_for
    from flask_migrate import upgrade
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    from mission_app import create_app
    from mission_app.exporters import pdf
    from mission_app.extensions import db
    from mission_app.jobs import execute_agenda_batch
    from mission_app.models import DocumentBatch, Person
    from mission_app.services import agendas, documents, publications

    app = create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir / 'bench.db'}")
    app.instance_path = str(workdir)
    base_url = "https://missions.example.org"
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        mission, firms, meetings = build_mission(options.people)
        publications.publish_schedule(mission, None)  # participants' agendas show this version
        db.session.commit()
        people = db.session.query(Person).filter_by(mission_id=mission.id).count()
        print(
            f"mission: {people} people, {meetings} meetings "
            f"(built in {time.perf_counter() - started:.1f} s)"
        )
        person = firms[0].people[0]

        with app.test_request_context(base_url=base_url):
            portal_url = url_for("portal.show_agenda", token=person.access_token, _external=True)
            agenda = agendas.person_agenda(mission, person, source="published")
            meetings_of_person = sum(1 for e in agenda.entries if e.kind == "meeting")
            one_page = one_page_floor(meetings_of_person)
            shared_fonts = FontConfiguration()
            HTML(string=one_page).write_pdf()  # warm fonts and caches for every figure alike
            content = pdf.person_agenda_pdf(agenda, portal_url=portal_url).content
            # The agenda's own words as plain paragraphs on the same page, in the same font and
            # with the same shared FontConfiguration: what laying out this much text costs
            # before any styling, QR code or header.
            words = subprocess.run(
                ["pdftotext", "-layout", "-", "-"], input=content, capture_output=True
            ).stdout.decode()
            same_words = ONE_PAGE % "".join(
                f"<p>{html.escape(' '.join(line.split()))}</p>"
                for line in words.splitlines()
                if line.strip()
            )

            agenda_html = pdf.person_agenda_html(agenda, portal_url=portal_url)
            required_only = required_content_only(agenda_html)
            parsed = pdf.parse_html(agenda_html)
            laid_out = pdf.lay_out(parsed)
            figures = medians(
                {
                    "floor_hello": lambda: HTML(string="<p>Hello</p>").write_pdf(),
                    "floor_page": lambda: HTML(string=one_page).write_pdf(),
                    "plain_words": lambda: HTML(string=same_words).write_pdf(
                        font_config=shared_fonts
                    ),
                    "render_only": lambda: pdf.person_agenda_pdf(agenda, portal_url=portal_url),
                    "required": lambda: pdf.lay_out(pdf.parse_html(required_only)).write_pdf(),
                    "with_loading": lambda: documents.person_agenda_file(
                        mission, person, lambda p: portal_url, source="published"
                    ),
                    # where the agenda's time goes, phase by phase
                    "QR code (segno)": lambda: pdf.qr_svg(portal_url),
                    "HTML from Jinja, QR included": lambda: pdf.person_agenda_html(
                        agenda, portal_url=portal_url
                    ),
                    "HTML parsing": lambda: pdf.parse_html(agenda_html),
                    "styles and layout": lambda: pdf.lay_out(parsed),
                    "drawing and PDF": laid_out.write_pdf,
                },
                options.repeat,
            )
            floor_hello, floor_page = figures.pop("floor_hello"), figures.pop("floor_page")
            plain_words, render_only = figures.pop("plain_words"), figures.pop("render_only")
            required, with_loading = figures.pop("required"), figures.pop("with_loading")
            phases = figures
            info = subprocess.run(["pdfinfo", "-"], input=content, capture_output=True)
            found = re.search(rb"^Pages:\s+(\d+)", info.stdout, re.M)
            pages = found.group(1).decode() if found else "?"

        batch = documents.start_agenda_batch(None, mission)
        db.session.commit()
        started, cpu_before = time.perf_counter(), os.times()
        execute_agenda_batch(batch.id, base_url + "/")
        zip_seconds = time.perf_counter() - started
        cpu_after = os.times()
        zip_cpu = sum(cpu_after[:4]) - sum(cpu_before[:4])  # this process and its workers
        batch = db.session.get(DocumentBatch, batch.id)
        archive_path = Path(app.instance_path) / batch.file_path
        with zipfile.ZipFile(archive_path) as archive:
            files = len(archive.namelist())

    def ms(figure: tuple[float, float]) -> str:
        return f"{figure[0] * 1000:7.1f} ms wall, {figure[1] * 1000:6.1f} ms CPU"

    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    print(
        "floor, bare WeasyPrint (defaults: a new FontConfiguration per render), "
        f"'<p>Hello</p>':{ms(floor_hello)}"
    )
    print(
        "floor, bare WeasyPrint (defaults), one A4 page in DejaVu Sans 9.5pt, "
        f"{meetings_of_person} one-line entries:{ms(floor_page)}"
    )
    print(
        f"reference, the agenda's own words as {same_words.count('<p>')} plain paragraphs "
        f"(same page and font, shared FontConfiguration):{ms(plain_words)}"
    )
    print(
        f"personal agenda ({meetings_of_person} meetings + activities, {pages} pages), render: "
        f"{ms(render_only)}: {render_only[1] / floor_page[1]:.1f}x the one-page floor "
        f"(target 2x), {render_only[1] / floor_hello[1]:.1f}x the one-line floor, "
        f"{render_only[1] / plain_words[1]:.1f}x its plain words (CPU)"
    )
    print(
        "reference, the same agenda with only what the issue requires of a meeting (no "
        f"description, category tags or bold):{ms(required)}: "
        f"{required[1] / floor_page[1]:.1f}x the one-page floor (CPU)"
    )
    for name, figure in phases.items():
        print(f"    {name + ':':30s}{ms(figure)}")
    print(f"personal agenda, loaded from the database and rendered: {ms(with_loading)}")
    print(
        f"all agendas as a ZIP: {files} PDFs, {archive_path.stat().st_size / 1e6:.1f} MB in "
        f"{zip_seconds:.1f} s wall, {zip_cpu:.1f} s CPU over all processes ({batch.status}); "
        "target < 60 s"
    )


if __name__ == "__main__":
    main()
