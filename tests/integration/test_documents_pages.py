"""The organiser's documents page and downloads, the "all agendas" ZIP, the portal's PDF and the
`flask mission agenda` command."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from mission_app.extensions import db
from mission_app.models import DocumentBatch, Meeting
from tests import factories
from tests.conftest import page_text

DAY = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def pdf_text(content: bytes) -> str:
    result = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True)
    return " ".join(result.stdout.decode().split())


@pytest.fixture
def planned(mission):
    leg = factories.LegFactory(mission=mission, city="Dakar", timezone="Africa/Dakar")
    venue = factories.VenueFactory(leg=leg, name="Hôtel Terrou-Bi", tables=2)
    factories.MeetingWindowFactory(venue=venue, start_at=DAY, end_at=DAY + timedelta(hours=2))
    firm = factories.OrganisationFactory(mission=mission, name="Atlas Logiciels")
    host = factories.OrganisationFactory(mission=mission, host=True, name="Sonatel")
    karim = factories.PersonFactory(organisation=firm, name="Karim Benali", key="karim")
    salma = factories.PersonFactory(organisation=firm, name="Salma El Idrissi", key="salma")
    awa = factories.PersonFactory(organisation=host, name="Awa Ndiaye", key="awa")
    request = factories.MeetingRequestFactory(mission=mission, delegation=firm, host=host)
    factories.MeetingFactory(request=request, venue=venue, table_number=2, start_at=DAY)
    factories.publish(mission)  # participants' documents show the published schedule
    db.session.commit()
    return {
        "leg": leg,
        "venue": venue,
        "firm": firm,
        "host": host,
        "karim": karim,
        "salma": salma,
        "awa": awa,
    }


def _urls(mission, p):
    base = f"/missions/{mission.id}"
    return [
        f"{base}/people/{p['karim'].id}/agenda.pdf",
        f"{base}/organisations/{p['firm'].id}/agenda.pdf",
        f"{base}/organisations/{p['host'].id}/agenda.pdf",
        f"{base}/venues/{p['venue'].id}/tables/2/2026-05-12.pdf",
        f"{base}/legs/{p['leg'].id}/2026-05-12/grid.pdf",
        f"{base}/booklet.pdf",
    ]


def test_documents_page_links_every_document(logged_in, mission, planned):
    response = logged_in.get(f"/missions/{mission.id}/documents")
    assert response.status_code == 200
    text = page_text(response)
    for url in _urls(mission, planned):
        assert f'href="{url}"' in text, url
    assert "Préparer tous les agendas (.zip)" in text
    assert "Table 1" in text and "Table 2" in text
    assert 'class="current" aria-current="page">Documents<' in text


def test_every_document_downloads_as_pdf(logged_in, mission, planned):
    names = []
    for url in _urls(mission, planned):
        response = logged_in.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF-")
        names.append(response.headers["Content-Disposition"])
    assert names == [
        "attachment; filename=agenda-karim-benali.pdf",
        "attachment; filename=agenda-atlas-logiciels.pdf",
        "attachment; filename=agenda-sonatel.pdf",
        "attachment; filename=table-2-hotel-terrou-bi-2026-05-12.pdf",
        "attachment; filename=grid-dakar-2026-05-12.pdf",
        f"attachment; filename=booklet-mission-tic-n{mission.title.rsplit('°', 1)[1]}.pdf",
    ]


def test_organiser_agenda_has_the_qr_link_of_the_portal(logged_in, mission, planned):
    karim = planned["karim"]
    organiser_pdf = logged_in.get(f"/missions/{mission.id}/people/{karim.id}/agenda.pdf").data
    portal_pdf = logged_in.get(f"/p/{karim.access_token}/agenda.pdf").data
    assert organiser_pdf == portal_pdf


def test_viewer_sees_and_downloads_but_cannot_start_a_zip(client, mission, planned, viewer):
    client.login(viewer.email)
    page = page_text(client.get(f"/missions/{mission.id}/documents"))
    assert "Préparer tous les agendas" not in page
    for url in _urls(mission, planned):
        assert client.get(url).status_code == 200
    token_page = f"/missions/{mission.id}/grid"  # any page of the mission carries a CSRF token
    response = client.post_form(f"/missions/{mission.id}/documents/agendas", token_from=token_page)
    assert response.status_code == 403
    assert db.session.query(DocumentBatch).count() == 0


def test_organiser_of_another_mission_gets_404(client, mission, planned):
    other = factories.MissionFactory()
    stranger = factories.UserFactory()
    factories.MembershipFactory(user=stranger, mission=other, role="organiser")
    db.session.commit()
    client.login(stranger.email)
    assert client.get(f"/missions/{mission.id}/documents").status_code == 404
    for url in _urls(mission, planned):
        assert client.get(url).status_code == 404, url
    # and this mission's objects under the stranger's own mission
    base = f"/missions/{other.id}"
    for url in [
        f"{base}/people/{planned['karim'].id}/agenda.pdf",
        f"{base}/organisations/{planned['firm'].id}/agenda.pdf",
        f"{base}/venues/{planned['venue'].id}/tables/1/2026-05-12.pdf",
        f"{base}/legs/{planned['leg'].id}/2026-05-12/grid.pdf",
    ]:
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("day", ["2026-13-01", "yesterday", "2026-5-1x"])
def test_bad_day_in_a_document_url_is_404(logged_in, mission, planned, day):
    venue, leg = planned["venue"], planned["leg"]
    assert (
        logged_in.get(f"/missions/{mission.id}/venues/{venue.id}/tables/1/{day}.pdf").status_code
        == 404
    )
    assert logged_in.get(f"/missions/{mission.id}/legs/{leg.id}/{day}/grid.pdf").status_code == 404


def test_table_zero_is_404(logged_in, mission, planned):
    url = f"/missions/{mission.id}/venues/{planned['venue'].id}/tables/0/2026-05-12.pdf"
    assert logged_in.get(url).status_code == 404


def test_all_agendas_zip_is_built_and_downloaded(
    logged_in, mission, planned, app_ctx, tmp_path, monkeypatch
):
    monkeypatch.setattr(app_ctx, "instance_path", str(tmp_path))
    response = logged_in.post_form(
        f"/missions/{mission.id}/documents/agendas", token_from=f"/missions/{mission.id}/documents"
    )
    batch = db.session.query(DocumentBatch).one()
    assert response.status_code == 302
    assert response.location == f"/missions/{mission.id}/documents/agendas/{batch.id}"
    assert (batch.status, batch.done_count, batch.total_count) == ("done", 3, 3)
    assert batch.file_path == f"documents/mission-{mission.id}-agendas-{batch.id}.zip"
    page = page_text(logged_in.get(response.location))
    assert "3 agendas dans un fichier ZIP" in page
    assert "hx-get" not in page  # finished: no more polling
    download = logged_in.get(f"{response.location}/agendas.zip")
    assert download.status_code == 200
    assert download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        assert sorted(archive.namelist()) == [
            "atlas-logiciels/karim-benali.pdf",
            "atlas-logiciels/salma-el-idrissi.pdf",
            "sonatel/awa-ndiaye.pdf",
        ]
        karim_pdf = archive.read("atlas-logiciels/karim-benali.pdf")
    assert "Karim Benali" in pdf_text(karim_pdf) and "Sonatel" in pdf_text(karim_pdf)
    # The QR code in the ZIP points where the organiser reached the site, like the portal's.
    portal_pdf = logged_in.get(f"/p/{planned['karim'].access_token}/agenda.pdf").data
    assert karim_pdf == portal_pdf


def test_running_batch_page_polls_and_cannot_be_downloaded(logged_in, mission, planned):
    batch = DocumentBatch(
        mission_id=mission.id, kind="all_agendas", status="running", total_count=3, done_count=1
    )
    db.session.add(batch)
    db.session.commit()
    url = f"/missions/{mission.id}/documents/agendas/{batch.id}"
    partial = logged_in.get(url, headers={"HX-Request": "true"})
    text = page_text(partial)
    assert partial.status_code == 200
    assert 'id="batch-status"' in text and 'hx-trigger="every 1s"' in text
    assert "1 agendas prêts sur 3" in text
    assert "<html" not in text
    assert logged_in.get(f"{url}/agendas.zip").status_code == 404
    # A second batch is refused while one runs.
    response = logged_in.post_form(
        f"/missions/{mission.id}/documents/agendas", token_from=f"/missions/{mission.id}/documents"
    )
    assert response.status_code == 302
    assert db.session.query(DocumentBatch).count() == 1
    assert "déjà en cours" in page_text(logged_in.get(f"/missions/{mission.id}/documents"))


def test_zip_of_a_mission_without_people_is_refused(logged_in, mission):
    response = logged_in.post_form(
        f"/missions/{mission.id}/documents/agendas",
        token_from=f"/missions/{mission.id}/documents",
        follow_redirects=True,
    )
    assert "aucun participant" in page_text(response)
    assert db.session.query(DocumentBatch).count() == 0


def test_zip_start_without_csrf_token_is_refused(logged_in, mission, planned):
    response = logged_in.post(f"/missions/{mission.id}/documents/agendas")
    assert response.status_code == 400
    assert db.session.query(DocumentBatch).count() == 0


def test_batch_of_another_mission_is_404(logged_in, mission, planned):
    other = factories.MissionFactory()
    batch = DocumentBatch(mission_id=other.id, kind="all_agendas", status="done")
    db.session.add(batch)
    db.session.commit()
    assert logged_in.get(f"/missions/{mission.id}/documents/agendas/{batch.id}").status_code == 404


def test_portal_pdf_for_a_live_token_only(client, mission, planned):
    karim = planned["karim"]
    response = client.get(f"/p/{karim.access_token}/agenda.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == "attachment; filename=agenda-karim-benali.pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    text = pdf_text(response.data)
    assert "Karim Benali" in text and "09:00–09:30 Sonatel" in text
    assert client.get("/p/not-a-token/agenda.pdf").status_code == 404
    old = karim.access_token
    karim.access_token = None
    db.session.commit()
    assert client.get(f"/p/{old}/agenda.pdf").status_code == 404


def test_portal_pdf_in_the_language_asked_for(client, mission, planned):
    token = planned["karim"].access_token
    english = pdf_text(client.get(f"/p/{token}/agenda.pdf?lang=en").data)
    assert "PERSONAL AGENDA" in english
    arabic = pdf_text(client.get(f"/p/{token}/agenda.pdf?lang=ar").data)
    assert "الشخصي" in arabic
    ignored = pdf_text(client.get(f"/p/{token}/agenda.pdf?lang=xx").data)
    assert "AGENDA PERSONNEL" in ignored


def test_cli_writes_the_bytes_the_portal_serves(
    app_ctx, client, mission, planned, tmp_path, monkeypatch
):
    karim = planned["karim"]
    monkeypatch.setitem(app_ctx.config, "PUBLIC_BASE_URL", "http://localhost")  # the client's
    output = tmp_path / "karim.pdf"
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["mission", "agenda", str(mission.id), "karim", "-o", str(output)])
    assert result.exit_code == 0, result.output
    portal = client.get(f"/p/{karim.access_token}/agenda.pdf").data
    assert output.read_bytes() == portal


def test_cli_writes_a_calendar_to_standard_output(app_ctx, mission, planned):
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["mission", "agenda", str(mission.id), "awa", "--format", "ics"])
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"BEGIN:VCALENDAR")
    assert b"Atlas Logiciels" in result.stdout_bytes


def test_cli_names_an_unknown_person_or_mission(app_ctx, mission, planned):
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["mission", "agenda", str(mission.id), "nobody"])
    assert result.exit_code == 1
    assert "no person with key 'nobody'" in result.output
    result = runner.invoke(args=["mission", "agenda", "999999", "karim"])
    assert result.exit_code == 1
    assert "no mission 999999" in result.output


def test_zip_rendered_by_worker_processes_holds_every_agenda(
    app_ctx, mission, planned, tmp_path, monkeypatch
):
    from mission_app import jobs
    from mission_app.services import documents

    monkeypatch.setattr(app_ctx, "instance_path", str(tmp_path))
    monkeypatch.setattr(jobs, "BATCH_CHUNK", 1)  # three chunks for two workers
    batch = documents.start_agenda_batch(None, mission)
    db.session.commit()
    jobs.execute_agenda_batch(batch.id, "https://missions.example/", workers=2)
    db.session.refresh(batch)
    assert (batch.status, batch.done_count, batch.total_count) == ("done", 3, 3)
    with zipfile.ZipFile(tmp_path / batch.file_path) as archive:
        texts = {name: pdf_text(archive.read(name)) for name in archive.namelist()}
    assert sorted(texts) == [
        "atlas-logiciels/karim-benali.pdf",
        "atlas-logiciels/salma-el-idrissi.pdf",
        "sonatel/awa-ndiaye.pdf",
    ]
    assert "Karim Benali" in texts["atlas-logiciels/karim-benali.pdf"]
    assert "Awa Ndiaye" in texts["sonatel/awa-ndiaye.pdf"]
    assert "Atlas Logiciels" in texts["sonatel/awa-ndiaye.pdf"]


def test_a_batch_abandoned_long_ago_does_not_block_a_new_one(logged_in, mission, planned):
    stale = DocumentBatch(
        mission_id=mission.id,
        kind="all_agendas",
        status="queued",
        total_count=3,
        created_at=datetime.now(UTC) - timedelta(hours=1),
    )
    db.session.add(stale)
    db.session.commit()
    response = logged_in.post_form(
        f"/missions/{mission.id}/documents/agendas", token_from=f"/missions/{mission.id}/documents"
    )
    assert response.status_code == 302
    db.session.refresh(stale)
    assert stale.status == "failed"
    assert db.session.query(DocumentBatch).filter_by(status="done").count() == 1


def test_documents_page_links_every_calendar_file(logged_in, mission):
    person = factories.PersonFactory(organisation=factories.OrganisationFactory(mission=mission))
    page = logged_in.get(f"/missions/{mission.id}/documents").get_data(as_text=True)
    for url in (
        f"/missions/{mission.id}/people/{person.id}/agenda.ics",
        f"/missions/{mission.id}/organisations/{person.organisation_id}/agenda.ics",
        f"/missions/{mission.id}/programme.ics",
    ):
        assert f'href="{url}"' in page
        assert logged_in.get(url).status_code == 200


def test_participants_get_the_published_schedule_and_organisers_the_working_one(
    app_ctx, logged_in, mission, planned, tmp_path, monkeypatch
):
    """After a move that is not published yet: the organiser's PDF and calendar show the new
    time; the portal's PDF and feed, the command line and the ZIP still show the published one."""
    from mission_app import jobs
    from mission_app.models import Meeting
    from mission_app.services import documents

    meeting = db.session.query(Meeting).one()
    meeting.start_at, meeting.end_at = (
        DAY + timedelta(hours=1),
        DAY + timedelta(hours=1, minutes=30),
    )
    meeting.sequence += 1
    db.session.commit()
    karim = planned["karim"]
    base = f"/missions/{mission.id}"
    organiser_pdf = pdf_text(logged_in.get(f"{base}/people/{karim.id}/agenda.pdf").data)
    organiser_ics = logged_in.get(f"{base}/people/{karim.id}/agenda.ics").get_data(as_text=True)
    assert "10:00–10:30 Sonatel" in organiser_pdf
    assert "DTSTART;TZID=Africa/Dakar:20260512T100000" in organiser_ics
    portal_pdf = pdf_text(logged_in.get(f"/p/{karim.access_token}/agenda.pdf").data)
    portal_ics = logged_in.get(f"/p/{karim.access_token}/agenda.ics").get_data(as_text=True)
    firm_ics = logged_in.get(f"/p/{karim.access_token}/organisation.ics").get_data(as_text=True)
    assert "09:00–09:30 Sonatel" in portal_pdf and "10:00" not in portal_pdf
    for published in (portal_ics, firm_ics):
        assert "DTSTART;TZID=Africa/Dakar:20260512T090000" in published
        assert "20260512T100000" not in published
    cli = app_ctx.test_cli_runner().invoke(
        args=["mission", "agenda", str(mission.id), "karim", "--format", "ics"]
    )
    assert b"DTSTART;TZID=Africa/Dakar:20260512T090000" in cli.stdout_bytes
    monkeypatch.setattr(app_ctx, "instance_path", str(tmp_path))
    batch = documents.start_agenda_batch(None, mission)
    db.session.commit()
    jobs.execute_agenda_batch(batch.id, "https://missions.example/", workers=1)
    db.session.refresh(batch)
    with zipfile.ZipFile(tmp_path / batch.file_path) as archive:
        zipped = pdf_text(archive.read("atlas-logiciels/karim-benali.pdf"))
    assert "09:00–09:30 Sonatel" in zipped and "10:00" not in zipped
    # Once published, everyone sees the new time.
    factories.publish(mission)
    db.session.commit()
    assert "10:00–10:30 Sonatel" in pdf_text(
        logged_in.get(f"/p/{karim.access_token}/agenda.pdf").data
    )


def test_cli_says_when_nothing_is_published_yet(app_ctx, mission):
    factories.PersonFactory(organisation__mission=mission, key="nadia")
    db.session.commit()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["mission", "agenda", str(mission.id), "nadia", "--format", "ics"])
    assert result.exit_code == 0, result.output
    assert b"BEGIN:VEVENT" not in result.stdout_bytes
    assert result.stderr == (
        f"note: mission {mission.id} has no published version yet, so this agenda holds no "
        "meeting (flask mission publish)\n"
    )


def test_organiser_gets_the_working_agenda_or_the_published_one(logged_in, mission, planned):
    meeting = db.session.query(Meeting).one()
    meeting.start_at, meeting.end_at = (
        DAY + timedelta(hours=1),
        DAY + timedelta(hours=1, minutes=30),
    )
    db.session.commit()  # moved after publication: participants still have 09:00
    url = f"/missions/{mission.id}/people/{planned['karim'].id}/agenda.pdf"
    working = pdf_text(logged_in.get(url).data)
    published = pdf_text(logged_in.get(f"{url}?version=published").data)
    assert "10:00" in working and "09:00" not in working
    assert "09:00" in published and "10:00" not in published
