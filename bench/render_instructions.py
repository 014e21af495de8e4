"""The personal agenda against the one-page floor, in instructions instead of seconds.

    python bench/render_instructions.py [--renders 3]

On a shared machine the seconds of bench/documents.py swing with other tenants (the same bare
render took 28 ms, then 50 ms, minutes apart). Valgrind's callgrind counts the instructions a
process runs, which does not depend on the machine's load: the same input gives the same count.
Each document is rendered in its own process, once with `--renders` renders more than the
other; the difference, divided by that number, is one render, with imports and warm-up left
out. Prints figures; it never passes or fails. Needs valgrind (`apt-get install valgrind`).

Documents: the floor of bench/documents.py (one A4 page, a line per meeting, WeasyPrint's
defaults), the personal agenda as the app renders it (shared stylesheet and fonts), and the same
agenda cut down to what the issue requires of each meeting.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DOCUMENTS = ("floor", "agenda", "required")
WARM_UP = 2  # renders before those that count: caches and fonts loaded


def render(kind: str, count: int, folder: Path) -> None:
    """In the child: render `folder/<kind>.html` WARM_UP + count times."""
    from weasyprint import HTML

    from mission_app.exporters import pdf

    source = (folder / f"{kind}.html").read_text()
    if kind != "floor":
        _app(folder).app_context().push()  # the app's stylesheet and fonts, as in production
    for _ in range(WARM_UP + count):
        if kind == "floor":
            HTML(string=source).write_pdf()  # WeasyPrint's defaults
        else:
            pdf.lay_out(pdf.parse_html(source)).write_pdf()


def _app(folder: Path):
    os.environ.setdefault("SECRET_KEY", "bench-only")
    from mission_app import create_app

    return create_app("development", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'bench.db'}")


def write_documents(folder: Path) -> int:
    """The three documents as HTML files in `folder`; returns the agenda's meeting count."""
    from documents import build_mission, one_page_floor, required_content_only
    from flask import url_for
    from flask_migrate import upgrade

    from mission_app.exporters import pdf
    from mission_app.extensions import db
    from mission_app.services import agendas, publications

    app = _app(folder)
    app.instance_path = str(folder)
    with app.app_context():
        upgrade()
        mission, firms, _ = build_mission(60)
        publications.publish_schedule(mission, None)
        db.session.commit()
        person = firms[0].people[0]
        with app.test_request_context(base_url="https://missions.example.org"):
            portal_url = url_for("portal.show_agenda", token=person.access_token, _external=True)
            agenda = agendas.person_agenda(mission, person, source="published")
            agenda_html = pdf.person_agenda_html(agenda, portal_url=portal_url)
    meetings = sum(1 for e in agenda.entries if e.kind == "meeting")
    (folder / "floor.html").write_text(one_page_floor(meetings))
    (folder / "agenda.html").write_text(agenda_html)
    (folder / "required.html").write_text(required_content_only(agenda_html))
    return meetings


def instructions(kind: str, count: int, folder: Path) -> int:
    """Instructions of a child process that renders `kind` WARM_UP + count times."""
    result = subprocess.run(
        [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            kind,
            str(count),
            str(folder),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if not found:
        raise SystemExit(f"callgrind printed no count for {kind}: {result.stderr[-500:]}")
    return int(found.group(1))


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        render(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=3)
    options = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind (as root)")
    folder = Path(tempfile.mkdtemp(prefix="bench-instructions-"))
    meetings = write_documents(folder)
    runs = [(kind, count) for kind in DOCUMENTS for count in (0, options.renders)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        counts = dict(zip(runs, pool.map(lambda r: instructions(*r, folder), runs), strict=True))
    per_render = {
        kind: (counts[(kind, options.renders)] - counts[(kind, 0)]) / options.renders
        for kind in DOCUMENTS
    }
    floor = per_render["floor"]
    labels = {
        "floor": f"floor, one A4 page, {meetings} one-line entries (WeasyPrint's defaults)",
        "agenda": f"personal agenda ({meetings} meetings + activities), as the app renders it",
        "required": "the same agenda with only what the issue requires of a meeting",
    }
    for kind in DOCUMENTS:
        ratio = "" if kind == "floor" else f", {per_render[kind] / floor:.2f}x the floor"
        print(f"{labels[kind]}: {per_render[kind] / 1e6:7.1f} M instructions per render{ratio}")
    print("target: the personal agenda within 2x the floor")


if __name__ == "__main__":
    main()
