"""The import pages: upload → preview → confirm, refused files, permissions."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from mission_app.extensions import db
from mission_app.models import Organisation, Person
from tests import factories

HEADERS = (
    "Organisation;Côté;Catégorie;Pays;Étape;Secteurs;Prénom;Nom;Fonction;E-mail;Téléphone;Langues"
)
GOOD_ROWS = [
    "Atlas Logiciels;Délégation;;Maroc;;Logiciel, Cloud;Salma;Bennani;Directrice générale;"
    "s.bennani@atlas.example;+212 6 61 23 45 67;Français, Anglais",
    "Atlas Logiciels;Délégation;;Maroc;;;Karim;Alaoui;Directeur technique;"
    "k.alaoui@atlas.example;;fr",
    "Banque de la Téranga;Hôte;DSI;Sénégal;Dakar;Banque;Mamadou;Diop;DSI;"
    "m.diop@teranga.example;+221 77 123 45 67;Français",
]


def csv_file(*rows: str, encoding: str = "utf-8") -> bytes:
    return "\r\n".join([HEADERS, *rows]).encode(encoding)


@pytest.fixture(autouse=True)
def pending_uploads_in_tmp(app, tmp_path, monkeypatch):
    """Uploaded files wait in a directory of the test's own."""
    monkeypatch.setattr(app, "instance_path", str(tmp_path))
    return tmp_path / "imports"


@pytest.fixture
def dakar(mission):
    leg = factories.LegFactory(mission=mission, key="dakar", city="Dakar")
    db.session.commit()
    return leg


def upload_url(mission) -> str:
    return f"/missions/{mission.id}/participants/import"


def upload(client, mission, data: bytes, filename: str = "participants.csv"):
    return client.post_form(
        upload_url(mission),
        {"file": (io.BytesIO(data), filename)},
    )


def confirm(client, mission):
    return client.post_form(
        f"/missions/{mission.id}/participants/import/confirm",
        token_from=f"/missions/{mission.id}/organisations",
    )


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_upload_page_lists_columns_and_model_links(logged_in, mission, dakar):
    page = logged_in.get(upload_url(mission)).get_data(as_text=True)
    assert "Importer des participants depuis un tableur" in page
    assert 'enctype="multipart/form-data"' in page
    assert f"/missions/{mission.id}/participants/import/model.xlsx" in page
    assert f"/missions/{mission.id}/participants/import/model.csv" in page
    assert "<strong>Côté</strong>" in page
    assert "Entreprise, Société" in page
    assert "Étapes de cette mission : Dakar" in page


def test_participants_list_links_to_the_import_for_organisers(logged_in, mission):
    page = logged_in.get(f"/missions/{mission.id}/organisations").get_data(as_text=True)
    assert "Importer depuis un tableur" in page
    assert upload_url(mission) in page


def test_upload_then_confirm_writes_exactly_the_rows(logged_in, mission, dakar, tmp_path):
    response = upload(logged_in, mission, csv_file(*GOOD_ROWS, encoding="cp1252"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Vérifier l’import" in page or "Vérifier l'import" in page
    assert "Fichier CSV en Windows-1252, séparé par « ; »" in page
    assert count(Organisation) == 0
    assert len(list((tmp_path / "imports").iterdir())) == 1

    response = confirm(logged_in, mission)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/missions/{mission.id}/organisations"
    organisations = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    assert [(o.name, o.side, o.category, o.country, o.leg_id) for o in organisations] == [
        ("Atlas Logiciels", "delegation", "ict_firm", "MA", None),
        ("Banque de la Téranga", "host", "information_systems", "SN", dakar.id),
    ]
    assert organisations[0].sectors == ["Logiciel", "Cloud"]
    people = db.session.scalars(select(Person).order_by(Person.name)).all()
    assert [(p.name, p.organisation.name, p.email, p.languages) for p in people] == [
        ("Karim Alaoui", "Atlas Logiciels", "k.alaoui@atlas.example", ["fr"]),
        ("Mamadou Diop", "Banque de la Téranga", "m.diop@teranga.example", ["fr"]),
        ("Salma Bennani", "Atlas Logiciels", "s.bennani@atlas.example", ["fr", "en"]),
    ]
    assert {p.key for p in people} == {"karim-alaoui", "mamadou-diop", "salma-bennani"}
    assert list((tmp_path / "imports").iterdir()) == []
    listing = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import terminé : 2 organisations créées, 3 personnes ajoutées." in listing


def test_reimporting_the_same_file_updates_instead_of_duplicating(logged_in, mission, dakar):
    upload(logged_in, mission, csv_file(*GOOD_ROWS))
    confirm(logged_in, mission)
    changed = GOOD_ROWS[2].replace("Mamadou;Diop;DSI", "Mamadou;Diop;Directeur SI")
    page = upload(logged_in, mission, csv_file(*GOOD_ROWS[:2], changed)).get_data(as_text=True)
    assert "Mise à jour" in page
    assert "Modifie : Fonction" in page
    response = confirm(logged_in, mission)
    assert count(Organisation) == 2
    assert count(Person) == 3
    diop = db.session.scalar(select(Person).where(Person.name == "Mamadou Diop"))
    assert diop.position == "Directeur SI"
    listing = logged_in.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import terminé : 1 personne mise à jour." in listing


def test_xlsx_upload_is_previewed_and_imported(logged_in, mission, dakar):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Liste"
    for line in [HEADERS, *GOOD_ROWS]:
        sheet.append(line.split(";"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    page = upload(logged_in, mission, buffer.getvalue(), "liste.xlsx").get_data(as_text=True)
    assert "Classeur Excel, feuille « Liste »" in page
    confirm(logged_in, mission)
    assert count(Person) == 3


def test_bad_file_shows_each_error_and_writes_nothing(logged_in, mission, dakar, tmp_path):
    rows = [
        GOOD_ROWS[0],
        "Atlas Logiciels;Délégation;;Maroc;;;Karim;Alaoui;CTO;s.bennani@atlas.example;;fr",
        "Banque;Invité;DSI;Sénégal;Thiès;;Awa;Ndiaye;;awa@;;",
    ]
    response = upload(logged_in, mission, csv_file(*rows))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ce fichier ne peut pas être importé" in page
    assert "Rien n’a été écrit." in page or "Rien n'a été écrit." in page
    assert "L’e-mail s.bennani@atlas.example figure déjà à la ligne 2." in page
    assert "Côté inconnu « Invité »" in page
    assert "Étape inconnue « Thiès »" in page
    assert "« awa@ » n&#39;est pas une adresse e-mail." in page
    assert page.count("<tr>") == 5  # the header and four problems
    assert count(Organisation) == 0 and count(Person) == 0
    assert not (tmp_path / "imports").exists() or list((tmp_path / "imports").iterdir()) == []
    assert 'name="file"' in page  # the corrected file can be sent from the same page


def test_wrong_encoding_is_refused_with_its_message(logged_in, mission):
    data = csv_file(*GOOD_ROWS).decode().encode("utf-16")
    page = upload(logged_in, mission, data).get_data(as_text=True)
    assert "Le fichier est en UTF-16" in page
    assert "ni en UTF-8 ni en Windows-1252" in page
    assert count(Organisation) == 0


def test_file_over_the_size_limit_is_refused(logged_in, mission, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_BYTES", 100)
    page = upload(logged_in, mission, csv_file(*GOOD_ROWS)).get_data(as_text=True)
    assert "la limite est de 0,1 Ko" in page
    assert count(Organisation) == 0


def test_upload_without_a_file_shows_the_form_error(logged_in, mission):
    response = logged_in.post_form(upload_url(mission), {})
    assert response.status_code == 200
    assert "Choisissez le fichier à importer." in response.get_data(as_text=True)


def test_confirm_without_a_pending_upload_says_it_expired(logged_in, mission):
    response = confirm(logged_in, mission)
    assert response.headers["Location"] == upload_url(mission)
    page = logged_in.get(upload_url(mission)).get_data(as_text=True)
    assert "Cet import a expiré. Envoyez à nouveau le fichier." in page


def test_confirm_twice_imports_once(logged_in, mission, dakar):
    upload(logged_in, mission, csv_file(*GOOD_ROWS))
    confirm(logged_in, mission)
    response = confirm(logged_in, mission)
    assert response.headers["Location"] == upload_url(mission)
    assert count(Person) == 3


def test_confirm_refuses_when_the_mission_changed_since_the_preview(logged_in, mission, dakar):
    upload(logged_in, mission, csv_file(*GOOD_ROWS))
    factories.OrganisationFactory(
        mission=mission, name="Atlas logiciels", side="host", category="distributor", country="SN"
    )
    db.session.commit()
    response = confirm(logged_in, mission)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "« Atlas logiciels » est déjà dans cette mission comme Hôte." in page
    assert count(Person) == 0


def test_model_files_can_be_downloaded_and_imported_back(logged_in, mission, dakar):
    response = logged_in.get(f"/missions/{mission.id}/participants/import/model.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=modele-participants.xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert [cell.value for cell in sheet[1]] == [
        "Organisation",
        "Côté",
        "Catégorie",
        "Pays",
        "Étape",
        "Secteurs",
        "Description",
        "Prénom",
        "Nom",
        "Fonction",
        "E-mail",
        "Téléphone",
        "Langues",
    ]
    assert sheet.max_row == 3
    upload(logged_in, mission, response.data, "modele-participants.xlsx")
    confirm(logged_in, mission)
    assert count(Person) == 2
    csv_response = logged_in.get(f"/missions/{mission.id}/participants/import/model.csv")
    assert csv_response.data.startswith("\ufeffOrganisation;Côté;".encode())
    assert csv_response.mimetype == "text/csv"


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/participants/import"),
        ("post", "/participants/import"),
        ("post", "/participants/import/confirm"),
        ("get", "/participants/import/model.xlsx"),
    ],
)
def test_viewer_gets_403_on_import_pages(client, mission, viewer, method, path):
    client.login(viewer.email)
    url = f"/missions/{mission.id}{path}"
    if method == "get":
        response = client.get(url)
    else:
        token = client.csrf_token(f"/missions/{mission.id}/organisations")
        response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 403
    assert "Importer depuis un tableur" not in client.get(
        f"/missions/{mission.id}/organisations"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/participants/import"),
        ("post", "/participants/import"),
        ("post", "/participants/import/confirm"),
        ("get", "/participants/import/model.csv"),
    ],
)
def test_organiser_of_another_mission_gets_404(logged_in, mission, method, path):
    other = factories.MissionFactory()
    db.session.commit()
    url = f"/missions/{other.id}{path}"
    if method == "get":
        response = logged_in.get(url)
    else:
        token = logged_in.csrf_token(f"/missions/{mission.id}/organisations")
        response = logged_in.post(url, data={"csrf_token": token})
    assert response.status_code == 404


def test_pending_upload_of_one_mission_cannot_be_confirmed_on_another(
    app_ctx, client, mission, dakar
):
    user = factories.UserFactory()
    other = factories.MissionFactory()
    factories.MembershipFactory(user=user, mission=mission, role="organiser")
    factories.MembershipFactory(user=user, mission=other, role="organiser")
    db.session.commit()
    client.login(user.email)
    upload(client, mission, csv_file(*GOOD_ROWS))
    response = confirm(client, other)
    assert response.headers["Location"] == upload_url(other)
    assert count(Organisation) == 0
    confirm(client, mission)
    assert count(Organisation) == 2


def test_values_from_the_file_are_escaped_on_the_preview(logged_in, mission):
    row = "<b>Evil</b>;Délégation;;<i>Mars</i>;;;Awa;Ndiaye;;;;"
    page = upload(logged_in, mission, csv_file(row)).get_data(as_text=True)
    assert "Pays inconnu « &lt;i&gt;Mars&lt;/i&gt; »" in page
    assert "<i>Mars</i>" not in page
