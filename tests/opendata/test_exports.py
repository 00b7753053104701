"""Downloads of any view (CSV, ODS, XLSX) and the open-data dump (CSV, JSON)."""

import csv
import io
import json
import tracemalloc
import zipfile
from xml.etree import ElementTree

import pytest
from django.db import connection
from django.http import FileResponse, StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from providers.exports import HEADER
from providers.models import Provider, Status
from tests.factories import ProviderFactory, commune

pytestmark = pytest.mark.django_db

ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
ODS_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


def csv_rows(response, delimiter=";"):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8")
    return list(
        csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter)
    )


def page_names(client, query):
    page = client.get(f"/prestataires/?{query}&par_page=100").context["page"]
    return [provider.name for provider in page.object_list]


@pytest.mark.parametrize(
    "query",
    [
        "q=dolibarr&ou=Essonne",
        "logiciel=nextcloud&service=hebergement",
        "ou=Bretagne&tri=nom",
        "q=formation",
    ],
)
def test_csv_export_applies_exactly_the_filters_of_the_page(client, demo_data, query):
    response = client.get(f"/prestataires/telecharger.csv?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert [row["nom"] for row in rows] == page_names(client, query)


def test_csv_opens_in_french_excel_with_readable_columns(client, demo_data):
    response = client.get("/prestataires/telecharger.csv?q=dolibarr&ou=Évry")
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    # From a commune, each row also says how far the provider is (distance_km, last).
    assert raw.split(b"\r\n")[0].decode("utf-8-sig") == ";".join([*HEADER, "distance_km"])
    row = csv_rows(client.get("/prestataires/telecharger.csv?q=dolibarr&ou=Évry"))[0]
    assert row["nom"] == "Essonne Gestion Libre"
    assert row["commune_siege"] == "Évry-Courcouronnes (91)"
    assert row["zones_intervention"] == "Essonne (91) ; Seine-et-Marne (77)"
    assert row["offres"].startswith("Dolibarr : installation et intégration, hébergement")
    assert row["logiciels"] == "Dolibarr"
    assert row["toute_la_france"] == "non" and row["accepte_nouveaux_clients"] == "oui"
    assert row["fiche"] == "http://testserver/prestataires/essonne-gestion-libre/"
    assert row["effectif"] == "3 à 5 salariés"


def test_xlsx_export_opens_with_the_same_rows(client, demo_data):
    response = client.get("/prestataires/telecharger.xlsx?logiciel=nextcloud")
    assert isinstance(response, FileResponse)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(workbook.active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert [row[0] for row in rows[1:]] == page_names(client, "logiciel=nextcloud")


def test_ods_export_is_a_valid_opendocument_spreadsheet(client, demo_data):
    response = client.get("/prestataires/telecharger.ods?logiciel=moodle")
    assert response["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    package = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    first = package.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert package.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    assert b"content.xml" in package.read("META-INF/manifest.xml")
    assert package.getinfo("content.xml").compress_type == zipfile.ZIP_DEFLATED
    root = ElementTree.fromstring(package.read("content.xml"))
    rows = [
        ["".join(cell.itertext()) for cell in row.iter(f"{ODS_TABLE}table-cell")]
        for row in root.iter(f"{ODS_TABLE}table-row")
    ]
    assert rows[0] == HEADER
    assert [row[0] for row in rows[1:]] == page_names(client, "logiciel=moodle")
    years = [
        c
        for c in root.iter(f"{ODS_TABLE}table-cell")
        if c.get("{urn:oasis:names:tc:opendocument:xmlns:office:1.0}value-type") == "float"
    ]
    assert years  # numbers are numbers


# The demo set may be loaded for this module: these tests work on Ouessant, where it has no one.
OUESSANT = "ou=Ouessant+%2829%29&local=on"


def test_exports_only_contain_published_listings_and_chosen_emails(client):
    ouessant = commune("29155")
    ProviderFactory(name="Publique", email="visible@x.example", show_email=True, seat=ouessant)
    ProviderFactory(name="Discrète", email="cachee@x.example", show_email=False, seat=ouessant)
    ProviderFactory(name="En attente", status=Status.PENDING, seat=ouessant)
    ProviderFactory(name="Archivée", status=Status.ARCHIVED, seat=ouessant)
    response = client.get(f"/prestataires/telecharger.csv?{OUESSANT}")
    rows = {row["nom"]: row for row in csv_rows(response)}
    assert set(rows) == {"Publique", "Discrète"}
    assert rows["Publique"]["email"] == "visible@x.example"
    assert rows["Discrète"]["email"] == ""


def test_software_and_territory_pages_link_to_their_filtered_downloads(client, demo_data):
    software = client.get("/logiciels/dolibarr/").content.decode()
    assert "/prestataires/telecharger.ods?logiciel=dolibarr" in software
    territory = client.get("/territoires/ile-de-france/essonne/").content.decode()
    assert "/prestataires/telecharger.xlsx?ou=Essonne+%2891%29" in territory
    results = client.get("/prestataires/?q=moodle&par_page=50").content.decode()
    assert "/prestataires/telecharger.csv?q=moodle" in results
    assert "par_page" not in results.split("/prestataires/telecharger.csv?")[1].split('"')[0]


def test_unknown_format_is_404(client):
    assert client.get("/prestataires/telecharger.pdf").status_code == 404
    assert client.get("/donnees-ouvertes/prestataires.xml").status_code == 404


def test_downloads_are_rate_limited(client, settings):
    settings.EXPORTS_PER_HOUR = 2
    assert client.get("/prestataires/telecharger.csv").status_code == 200
    assert client.get("/prestataires/telecharger.xlsx").status_code == 200
    response = client.get("/prestataires/telecharger.ods")
    assert response.status_code == 429 and response["Retry-After"] == "3600"


def test_open_data_dump_in_csv_and_json(client, demo_data):
    published = Provider.objects.published().count()
    response = client.get("/donnees-ouvertes/prestataires.csv")
    raw = b"".join(response.streaming_content)
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert len(rows) == published
    assert rows == sorted(rows, key=lambda row: row["fiche"])
    document = json.loads(
        b"".join(client.get("/donnees-ouvertes/prestataires.json").streaming_content)
    )
    assert document["licence"].startswith("Licence Ouverte")
    assert len(document["prestataires"]) == published
    first = document["prestataires"][0]
    assert (
        isinstance(first["offres"], list) and {"logiciel", "services"} <= first["offres"][0].keys()
    )
    assert isinstance(first["toute_la_france"], bool)
    assert set(first) == set(HEADER)


def test_open_data_page_describes_every_field(client):
    page = client.get("/donnees-ouvertes/").content.decode()
    for key in HEADER:
        assert f"<code>{key}</code>" in page
    assert "Licence Ouverte 2.0" in page


def _bulk_providers(count):
    seat = commune("29155")
    Provider.objects.bulk_create(
        Provider(name=f"Masse {index}", slug=f"masse-{index}", seat=seat, status=Status.PUBLISHED)
        for index in range(count)
    )


def _peak_while_streaming(client, count):
    Provider.objects.filter(slug__startswith="masse-").delete()
    _bulk_providers(count)
    response = client.get(f"/prestataires/telecharger.csv?tri=nom&{OUESSANT}")
    tracemalloc.start()
    with CaptureQueriesContext(connection) as queries:
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert lines == count + 1
    return peak, len(queries)


def test_large_exports_stream_in_chunks_without_holding_every_row(client):
    small_peak, small_queries = _peak_while_streaming(client, 500)
    large_peak, large_queries = _peak_while_streaming(client, 3000)
    # Rows are read 500 at a time (one query per chunk and per prefetched relation)…
    assert large_queries > small_queries
    # …and memory does not grow with the number of rows (measured: about 7 MB either way).
    assert large_peak < 1.3 * small_peak + 500_000
