"""A département preparing a procurement asks « where is Moodle not covered in Occitanie? »;
a cluster looks for the « zones blanches » to recruit in. Coverage per département or EPCI,
the maps drawn by our server, their table alternatives, downloads and API."""

import csv
import gzip
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from providers.coverage import coverage, sub_areas
from providers.models import Provider
from tests.factories import (
    OfferingFactory,
    ProviderFactory,
    SoftwareFactory,
    commune,
    departement,
    region,
)

pytestmark = pytest.mark.django_db
URL = "/couverture/"


@pytest.fixture
def moodle_in_occitanie():
    """Moodle in Occitanie (76): a provider seated in Montpellier (34) serving the Hérault
    and the Gard, one seated in Toulouse (31) serving the Haute-Garonne's EPCI « Toulouse
    Métropole » only, one in Paris serving the whole country, and a Nextcloud provider
    seated in Rodez (12) that does not count for Moodle."""
    moodle = SoftwareFactory(name="Moodle")
    nextcloud = SoftwareFactory(name="Nextcloud")
    toulouse = commune("31555")
    montpellier = ProviderFactory(
        name="Montpellier Formation",
        seat=commune("34172"),
        service_areas=[departement("34"), departement("30")],
    )
    toulouse_provider = ProviderFactory(
        name="Toulouse E-learning", seat=toulouse, service_areas=[toulouse.epci]
    )
    remote = ProviderFactory(name="Moodle Partout", seat=commune("75056"))
    remote.serves_whole_country = True
    remote.save()
    rodez = ProviderFactory(name="Rodez Cloud", seat=commune("12202"))
    for provider in (montpellier, toulouse_provider, remote):
        OfferingFactory(provider=provider, software=moodle)
    OfferingFactory(provider=rodez, software=nextcloud)
    return moodle


def rows_of(response):
    return {row.territory.code: (row.serving, row.seated) for row in response.context["rows"]}


def test_where_moodle_is_not_covered_in_occitanie_in_one_screen(client, moodle_in_occitanie):
    response = client.get(URL, {"logiciel": "moodle", "region": "occitanie"})
    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 13  # the départements of Occitanie
    assert rows["34"] == (2, 1)  # Montpellier Formation (seated) + the remote one
    assert rows["30"] == (2, 0)
    assert rows["31"] == (2, 1)  # seated in Toulouse: serves its own département
    assert rows["12"] == (1, 0)  # only the remote one: Rodez Cloud does no Moodle
    # Places nobody but the remote provider serves come first, by name.
    first = [row.territory.code for row in response.context["rows"]][:3]
    assert set(first) <= {"09", "11", "12", "32", "46", "48", "65", "66", "81", "82"}
    page = response.content.decode()
    assert "Couverture du territoire : Moodle, Occitanie" in page
    assert "Hérault (34) : 2 prestataires intervenant, dont 1 installé" in page


def test_without_a_remote_provider_the_zones_blanches_are_listed_first(client, moodle_in_occitanie):
    Provider.objects.filter(name="Moodle Partout").update(serves_whole_country=False)
    response = client.get(URL, {"logiciel": "moodle", "region": "occitanie"})
    uncovered = [row.territory.name for row in response.context["uncovered"]]
    assert "Lozère" in uncovered and "Hérault" not in uncovered
    assert len(uncovered) == 10
    page = response.content.decode()
    assert "<strong>10</strong> départements sur 13 sans prestataire pour Moodle" in page
    assert "Lozère (48) : aucun prestataire" in page  # the map area's accessible name
    assert page.index("Lozère (48)</a>") < page.index("Hérault (34)</a>")


def test_coverage_counts_follow_the_one_serving_rule(moodle_in_occitanie):
    """Whatever the level, a coverage count is `Provider.objects.serving(area).count()`."""
    providers = Provider.objects.published().offering(software=["moodle"])
    for scope in (None, region("76"), departement("31")):
        areas = sub_areas(scope)
        for row in coverage(providers, areas):
            expected = providers.serving(row.territory).count()
            assert row.serving == expected, row.territory
            assert row.seated == providers.located_in(row.territory).count(), row.territory


def test_a_departement_is_broken_into_its_epci(client, moodle_in_occitanie):
    response = client.get(URL, {"logiciel": "moodle", "departement": "haute-garonne"})
    rows = rows_of(response)
    toulouse_metropole = commune("31555").epci
    assert rows[toulouse_metropole.code] == (2, 1)
    assert all(serving >= 1 for serving, _seated in rows.values())  # the remote provider
    assert "Intercommunalité" in response.content.decode()


def test_the_table_sorts_by_name_or_by_count(client, moodle_in_occitanie):
    by_name = client.get(URL, {"logiciel": "moodle", "region": "occitanie", "tri": "nom"})
    names = [row.territory.name for row in by_name.context["rows"]]
    assert names == sorted(names)
    by_count = client.get(URL, {"logiciel": "moodle", "region": "occitanie", "tri": "intervenants"})
    assert [row.serving for row in by_count.context["rows"]][:3] == [2, 2, 2]


@pytest.mark.parametrize(
    "params",
    [
        {"logiciel": "inconnu"},
        {"region": "atlantide"},
        {"logiciel": "moodle", "categorie": "site-web"},
        {"tri": "<script>"},
        {"departement": "x" * 5000},
    ],
)
def test_bad_choices_are_explained_and_the_rest_still_answers(client, moodle_in_occitanie, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Certains choix n'ont pas été compris" in page
    assert "<script>" not in page.split("</header>", 1)[1].replace('<script src="', "")
    assert len(response.context["rows"]) >= 13
    api = client.get("/api/v1/couverture/", params)
    assert api.status_code == 400


def test_the_same_numbers_download_as_csv_ods_and_xlsx(client, moodle_in_occitanie):
    params = {"logiciel": "moodle", "region": "occitanie"}
    csv_response = client.get("/couverture/telecharger.csv", params)
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 13
    herault = next(row for row in rows if row["code"] == "34")
    assert herault["prestataires_intervenant"] == "2"
    assert herault["prestataires_installes"] == "1"
    assert herault["page"].endswith("/territoires/occitanie/herault/")
    assert "couverture-moodle-occitanie" in csv_response["Content-Disposition"]
    xlsx = client.get("/couverture/telecharger.xlsx", params)
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert sheet.title == "Couverture"
    assert sheet.max_row == 14
    ods = client.get("/couverture/telecharger.ods", params)
    assert ods.status_code == 200
    assert ods["Content-Type"] == "application/vnd.oasis.opendocument.spreadsheet"
    assert b"".join(ods.streaming_content).startswith(b"PK")


def test_the_api_gives_the_same_numbers(client, moodle_in_occitanie):
    data = client.get("/api/v1/couverture/", {"logiciel": "moodle", "region": "occitanie"}).json()
    assert data["logiciel"] == {"slug": "moodle", "nom": "Moodle"}
    assert data["perimetre"]["code"] == "76"
    assert data["niveau"] == "departement"
    zones = {zone["code"]: zone for zone in data["zones"]}
    assert zones["34"]["prestataires_intervenant"] == 2
    assert data["zones_sans_prestataire"] == 0
    assert client.get("/api/v1/couverture/", {"pays": "fr"}).status_code == 400


def test_the_france_map_is_small_links_every_departement_and_marks_the_uncovered(
    client, moodle_in_occitanie
):
    Provider.objects.filter(name="Moodle Partout").update(serves_whole_country=False)
    response = client.get("/logiciels/moodle/")
    page = response.content.decode()
    svg = page[page.index('<svg class="map-svg"') : page.index("</svg>", page.index("map-svg"))]
    assert svg.count("<a href=") == 101
    assert 'aria-label="Hérault (34) : 1 prestataire intervenant, dont 1 installé"' in svg
    assert 'aria-label="Lozère (48) : aucun prestataire"' in svg
    assert "url(#map-none-" in svg  # the « aucun prestataire » hatching
    assert svg.count('class="map-outlines"') == 1  # the régions' borders over them
    # The same numbers in a table right below, no third-party address anywhere.
    assert "Les mêmes chiffres en tableau" in page
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")
    assert len(gzip.compress(svg.encode())) < 60_000
    # Numbers in the drawing are never written the French way (« 12,5 » breaks SVG).
    assert not re.search(r'(d|viewBox|cx|cy|r)="[^"]*\d,\d', svg)


def test_a_region_page_shades_its_departements_and_shows_the_seats(client, moodle_in_occitanie):
    page = client.get("/territoires/occitanie/", {"logiciel": "moodle"}).content.decode()
    assert "Carte : Moodle" in page
    assert 'aria-label="Hérault (34) : 2 prestataires intervenant, dont 1 installé"' in page
    assert "Montpellier : 1 prestataire y a leur siège" not in page  # grammar
    assert 'aria-label="Montpellier : 1 prestataire y a son siège"' in page
    unknown = client.get("/territoires/occitanie/", {"logiciel": "zz"}).content.decode()
    assert "Logiciel inconnu ignoré" in unknown


def test_a_departement_page_shades_its_epci(client, moodle_in_occitanie):
    page = client.get(
        "/territoires/occitanie/haute-garonne/", {"logiciel": "moodle"}
    ).content.decode()
    assert "Toulouse Métropole : 2 prestataires intervenant, dont 1 installé" in page


def test_search_results_from_a_place_are_numbered_points(client, moodle_in_occitanie):
    page = client.get("/prestataires/", {"ou": "Montpellier", "logiciel": "moodle"})
    html = page.content.decode()
    assert 'aria-label="1. Montpellier Formation, siège à Montpellier, sur place"' in html
    # Paris is 600 km away: its seat is left out of the local frame, and the note says so.
    assert "1 prestataire de cette page a son siège hors du cadre de cette carte" in html
    svg = html[html.index('<svg class="map-svg"') : html.index("</svg>", html.index("map-svg"))]
    assert svg.count("<circle") == 1
    assert len(svg) < 40_000


def test_maps_cost_no_query_per_area(client, moodle_in_occitanie, uncached_pages):
    client.get("/logiciels/moodle/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/logiciels/moodle/")
    few = len(queries)
    for index in range(5):
        provider = ProviderFactory(name=f"Extra {index}", seat=commune("48095"))
        OfferingFactory(provider=provider, software=moodle_in_occitanie)
    with CaptureQueriesContext(connection) as queries:
        client.get("/logiciels/moodle/")
    assert len(queries) == few <= 14


def test_areas_link_to_territory_pages_with_only_what_they_can_draw(client, moodle_in_occitanie):
    """A territory page draws one program's map: a coverage by category links to it plain,
    a coverage of Moodle keeps ?logiciel=moodle; neither carries the région or the sort."""
    by_category = client.get(
        URL, {"categorie": "formation-en-ligne", "region": "occitanie", "tri": "nom"}
    ).content.decode()
    assert 'href="/territoires/occitanie/herault/"' in by_category
    assert "categorie=" not in by_category.split('class="map-areas"')[1].split("</g>")[0]
    moodle = client.get(URL, {"logiciel": "moodle", "region": "occitanie"}).content.decode()
    assert 'href="/territoires/occitanie/herault/?logiciel=moodle"' in moodle


def test_a_program_and_a_category_at_once_keeps_the_program_and_says_so(
    client, moodle_in_occitanie
):
    response = client.get(URL, {"logiciel": "moodle", "categorie": "site-web"})
    assert response.context["form"].values.get("categorie") is None
    assert response.context["what"] == "Moodle"
    assert "Choisissez un logiciel ou une catégorie, pas les deux." in response.content.decode()
