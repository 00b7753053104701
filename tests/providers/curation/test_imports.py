"""Moderators import providers and offerings from a spreadsheet: a dry run first,
then all or nothing, into their own cluster."""

import csv
import io
import zipfile

import pytest
from django.test import Client
from openpyxl import Workbook

from providers.exports import HEADER
from providers.models import Provider, Status
from tests.factories import (
    ClusterFactory,
    LabelFactory,
    OfferingFactory,
    ProviderFactory,
    SoftwareFactory,
    SuperuserFactory,
    commune,
    departement,
    region,
)

pytestmark = pytest.mark.django_db
URL = "/admin/providers/provider/import/"


@pytest.fixture
def listing():
    provider = ProviderFactory(
        name="Libre Essonne",
        siren="552100554",
        phone="01 99 00 00 01",
        service_areas=[departement("91")],
    )
    OfferingFactory(
        provider=provider,
        software=SoftwareFactory(name="Dolibarr"),
        kinds=["installation", "formation"],
    )
    LabelFactory(name="Qualiopi")
    SoftwareFactory(name="Nextcloud")
    return provider


def export_rows(client, query="ou=Essonne"):
    response = client.get(f"/prestataires/telecharger.csv?{query}")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def as_csv(rows, *, delimiter=";", encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=HEADER, delimiter=delimiter)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def new_row(**overrides):
    row = dict.fromkeys(HEADER, "")
    row.update(
        nom="Nouvelle Coop",
        siren="732829320",
        commune_siege="Massy (91)",
        zones_intervention="Essonne (91)",
        offres="Nextcloud : hébergement et infogérance",
        labels="Qualiopi",
        toute_la_france="non",
        accepte_nouveaux_clients="oui",
    )
    row.update(overrides)
    return row


def upload(client, content, name="fiches.csv", cluster=None, **extra):
    file = io.BytesIO(content)
    file.name = name
    data = {"file": file, "publish": "on", **extra}
    if cluster is not None:
        data["cluster"] = cluster.pk
    return client.post(URL, data)


def plan_of(response):
    assert response.status_code == 200
    return response.context["plan"]


def test_the_import_page_is_reachable_from_the_provider_list(moderator_client):
    assert (
        "Importer (CSV, XLSX, ODS)"
        in moderator_client.get("/admin/providers/provider/").content.decode()
    )
    page = moderator_client.get(URL).content.decode()
    assert "Essai à blanc" in page and "Grappe IDF" in page


def test_an_unchanged_export_round_trips(client, moderator_client, idf_cluster, listing):
    plan = plan_of(upload(moderator_client, as_csv(export_rows(client)), cluster=idf_cluster))
    assert [row.action for row in plan.rows] == ["unchanged"]


def test_dry_run_shows_creations_updates_and_refusals_with_line_numbers(
    client, moderator_client, idf_cluster, listing
):
    rows = export_rows(client)
    rows[0]["telephone"] = "01 99 00 00 02"
    rows.append(new_row())
    rows.append(new_row(nom="Bizarre", siren="", offres="Logiciel Fantôme : formation"))
    rows.append(new_row(nom="Sans lieu", siren="", commune_siege="Atlantide"))
    response = upload(moderator_client, as_csv(rows), cluster=idf_cluster)
    plan = plan_of(response)
    actions = {row.name: (row.line, row.action) for row in plan.rows}
    assert actions == {
        "Libre Essonne": (2, "update"),
        "Nouvelle Coop": (3, "create"),
        "Bizarre": (4, "reject"),
        "Sans lieu": (5, "reject"),
    }
    page = response.content.decode()
    assert "logiciel inconnu : « Logiciel Fantôme »" in page
    assert "lieu inconnu ou ambigu : « Atlantide »" in page
    assert "01 99 00 00 01 → 01 99 00 00 02" in page
    assert "Confirmer l&#x27;import" not in page and "Confirmer l'import" not in page
    assert Provider.objects.count() == 1  # a dry run writes nothing


def test_confirming_with_refused_rows_writes_nothing(
    client, moderator_client, idf_cluster, listing
):
    rows = [new_row(), new_row(nom="Bizarre", siren="", offres="Inconnu : formation")]
    upload(moderator_client, as_csv(rows), cluster=idf_cluster)
    response = moderator_client.post(URL, {"confirm": "1"}, follow=True)
    assert "des lignes sont refusées" in response.content.decode()
    assert not Provider.objects.filter(name="Nouvelle Coop").exists()


def test_confirmed_import_applies_everything_into_the_moderators_cluster(
    client, moderator_client, idf_cluster, listing
):
    rows = export_rows(client)
    rows[0]["telephone"] = "01 99 00 00 02"
    rows.append(new_row())
    upload(moderator_client, as_csv(rows), cluster=idf_cluster)
    response = moderator_client.post(URL, {"confirm": "1"}, follow=True)
    assert "1 fiche(s) créée(s), 1 mise(s) à jour" in response.content.decode()
    created = Provider.objects.get(name="Nouvelle Coop")
    assert created.status == Status.PUBLISHED and created.cluster == idf_cluster
    assert created.seat.code == "91377"
    assert [o.software.name for o in created.offerings.all()] == ["Nextcloud"]
    assert [label.name for label in created.labels.all()] == ["Qualiopi"]
    assert created.history.first().history_user.username == "modo@idf.example"
    listing.refresh_from_db()
    assert listing.phone == "01 99 00 00 02"
    assert listing.description == "Intégrateur de logiciels libres."  # kept


def test_rows_of_another_clusters_listing_are_refused_without_naming_it(
    client, moderator_client, idf_cluster
):
    other = ProviderFactory(
        name="Brouillon Lyonnais Confidentiel",
        siren="443061841",
        seat=commune("69123"),
        status=Status.DRAFT,
    )
    SoftwareFactory(name="Nextcloud")
    row = new_row(nom="Lyonnaise", siren="443061841", commune_siege="Lyon (69)", labels="")
    response = upload(moderator_client, as_csv([row]), cluster=idf_cluster)
    plan = plan_of(response)
    assert plan.rows[0].action == "reject"
    assert "une fiche hors de vos grappes correspond à cette ligne" in plan.rows[0].errors[0]
    assert "Confidentiel" not in response.content.decode()
    assert other.slug not in response.content.decode()
    other.refresh_from_db()
    assert other.siren == "443061841" and other.status == Status.DRAFT


def test_excel_files_from_france_are_read(moderator_client, idf_cluster, listing):
    # Windows-1252, « ; » separators, no BOM: what Excel saves as "CSV (point-virgule)".
    content = as_csv([new_row(commune_siege="Évry-Courcouronnes (91)")], encoding="cp1252")
    plan = plan_of(upload(moderator_client, content, cluster=idf_cluster))
    assert plan.rows[0].action == "create", plan.rows[0].errors
    assert plan.rows[0].data["seat"] == commune("91228").pk


def test_comma_separated_utf8_without_bom(moderator_client, idf_cluster, listing):
    content = as_csv([new_row()], delimiter=",", encoding="utf-8")
    assert (
        plan_of(upload(moderator_client, content, cluster=idf_cluster)).rows[0].action == "create"
    )


def test_xlsx_files_are_read(moderator_client, idf_cluster, listing):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    row = new_row(annee_creation=2015)
    sheet.append([row[key] for key in HEADER])
    buffer = io.BytesIO()
    workbook.save(buffer)
    plan = plan_of(
        upload(moderator_client, buffer.getvalue(), name="fiches.xlsx", cluster=idf_cluster)
    )
    assert plan.rows[0].action == "create", plan.rows[0].errors
    assert plan.rows[0].data["fields"]["year_founded"] == 2015


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("fiches.pdf", b"%PDF-1.4", "Format non reconnu"),
        ("fiches.csv", b"", "Le fichier soumis est vide"),
        ("fiches.csv", b"nom;siren\nA;1\n", "Colonnes manquantes : offres"),
        ("fiches.xlsx", b"PK\x03\x04 not really a zip", "Classeur XLSX illisible"),
    ],
)
def test_unreadable_files_are_refused_clearly(
    moderator_client, idf_cluster, name, content, message
):
    response = upload(moderator_client, content, name=name, cluster=idf_cluster)
    assert message in response.content.decode()
    assert "plan" not in response.context


def test_duplicate_rows_in_one_file_are_refused(moderator_client, idf_cluster, listing):
    plan = plan_of(upload(moderator_client, as_csv([new_row(), new_row()]), cluster=idf_cluster))
    assert [row.action for row in plan.rows] == ["create", "reject"]
    assert "doublon de la ligne 2" in plan.rows[1].errors


def test_a_moderator_can_only_import_into_their_own_cluster(moderator_client, idf_cluster, listing):
    other = ClusterFactory(name="Grappe AURA", regions=[region("84")])
    response = upload(moderator_client, as_csv([new_row()]), cluster=other)
    assert "plan" not in response.context
    assert "Sélectionnez un choix valide" in response.content.decode()


def test_superusers_choose_any_cluster(idf_cluster, listing):
    client = Client()
    client.force_login(SuperuserFactory())
    other = ClusterFactory(name="Grappe AURA", regions=[region("84")])
    upload(client, as_csv([new_row()]), cluster=other)
    client.post(URL, {"confirm": "1"})
    assert Provider.objects.get(name="Nouvelle Coop").cluster == other


def test_the_import_needs_staff_rights(client):
    assert client.get(URL).status_code == 302


def test_an_update_cannot_move_a_listing_out_of_the_moderators_clusters(
    client, moderator_client, idf_cluster, listing
):
    rows = export_rows(client)
    rows[0]["code_insee_siege"] = "69123"  # Lyon, outside Île-de-France
    rows[0]["commune_siege"] = "Lyon (69)"
    plan = plan_of(upload(moderator_client, as_csv(rows), cluster=idf_cluster))
    assert plan.rows[0].action == "reject"
    assert "sortirait la fiche de vos grappes" in plan.rows[0].errors[0]


def test_a_monster_csv_field_is_refused_clearly(moderator_client, idf_cluster):
    content = b'nom;offres\n"' + b"A" * 200_000 + b'";x\n'
    response = upload(moderator_client, content, cluster=idf_cluster)
    assert response.status_code == 200
    assert "CSV illisible" in response.content.decode()


@pytest.mark.parametrize("extension", ["ods", "xlsx"])
def test_a_workbook_exported_then_reimported_changes_nothing(
    client, moderator_client, idf_cluster, listing, extension
):
    """A moderator exports ODS or XLSX, edits it in LibreOffice or Excel and imports it
    back (ODS used to answer « Classeur XLSX illisible »)."""
    response = client.get(f"/prestataires/telecharger.{extension}?ou=Essonne")
    content = b"".join(response.streaming_content)
    plan = plan_of(
        upload(moderator_client, content, name=f"fiches.{extension}", cluster=idf_cluster)
    )
    assert [(row.action, row.errors) for row in plan.rows] == [("unchanged", [])]


def _bomb(entries):
    """A zip archive whose entries unpack to much more than they weigh."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, megabytes in entries:
            with archive.open(name, "w") as entry:
                for _ in range(megabytes):
                    entry.write(b"<si><t>A</t></si>" * 61681)  # ≈ 1 MB
    return buffer.getvalue()


@pytest.mark.parametrize("name", ["bombe.xlsx", "bombe.ods"])
def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_read(
    moderator_client, idf_cluster, name
):
    content = _bomb([("[Content_Types].xml", 0), ("xl/sharedStrings.xml", 64), ("content.xml", 1)])
    assert len(content) < 400_000
    response = upload(moderator_client, content, name=name, cluster=idf_cluster)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Classeur refusé : il se décompresse en 65 Mo" in page
    assert "Ligne" not in page  # no dry run: nothing was parsed


def test_a_workbook_of_too_many_parts_is_refused(moderator_client, idf_cluster):
    content = _bomb([(f"xl/part{index}.xml", 0) for index in range(150)])
    response = upload(moderator_client, content, name="parts.xlsx", cluster=idf_cluster)
    assert "150 parties" in response.content.decode()


def _ods(rows_xml, prolog='<?xml version="1.0" encoding="UTF-8"?>'):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml",
            f"{prolog}<office:document-content"
            ' xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
            ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0">'
            f"<office:body><office:spreadsheet><table:table>{rows_xml}</table:table>"
            "</office:spreadsheet></office:body></office:document-content>",
        )
    return buffer.getvalue()


def test_an_ods_repeating_a_row_a_million_times_is_refused_not_expanded(
    moderator_client, idf_cluster
):
    header = "".join(
        f"<table:table-cell><text:p>{column}</text:p></table:table-cell>" for column in HEADER
    )
    huge = (
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="16384"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )
    content = _ods(f"<table:table-row>{header}</table:table-row>{huge}")
    response = upload(moderator_client, content, name="fiches.ods", cluster=idf_cluster)
    assert "5000 lignes au plus par import" in response.content.decode()


def test_an_ods_with_a_dtd_is_refused(moderator_client, idf_cluster):
    content = _ods("", prolog='<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>')
    response = upload(moderator_client, content, name="fiches.ods", cluster=idf_cluster)
    assert "Classeur ODS illisible" in response.content.decode()


def test_formula_guards_of_the_export_are_removed_on_import(
    client, moderator_client, idf_cluster, listing
):
    row = new_row(nom="'=Coop Égale", siren="")
    plan = plan_of(upload(moderator_client, as_csv([row]), cluster=idf_cluster))
    assert plan.rows[0].data["fields"]["name"] == "=Coop Égale"


def test_every_demo_listing_survives_an_export_import_round_trip(client, demo_data):
    # Last in this module: the demo set stays loaded for the rest of the module.
    superuser = Client()
    superuser.force_login(SuperuserFactory())
    rows = export_rows(client, query="tri=nom")
    cluster = ClusterFactory(name="Grappe test")
    plan = plan_of(upload(superuser, as_csv(rows), cluster=cluster))
    assert len(plan.rows) == Provider.objects.published().count()
    assert {row.action for row in plan.rows} == {"unchanged"}, [
        (row.name, row.errors, row.changes) for row in plan.rows if row.action != "unchanged"
    ][:3]
