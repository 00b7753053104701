"""What a visitor sees on the home, provider, software, territory and static pages."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from providers.models import Provider, Status
from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune, departement

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_home_offers_search_and_browsing_with_counts(client, demo_data):
    page = html(client.get("/"))
    assert '<html lang="fr">' in page
    assert 'href="#contenu"' in page and '<main id="contenu"' in page
    assert '<label for="id_q">Quoi ?' in page and '<label for="id_ou">Où ?' in page
    published = Provider.objects.published().count()
    assert f"{published} prestataires référencés" in page
    assert 'Gestion d&#x27;entreprise (ERP / CRM)</a> <span class="count">16 prestataires' in page
    assert re.search(r"Île-de-France</a> <span class=\"count\">\d+ prestataires", page)
    assert "Qu'est-ce que cet annuaire ?" in page


def test_no_third_party_asset_is_referenced(client, demo_data):
    for url in ("/", "/prestataires/", "/prestataires/essonne-gestion-libre/", "/logiciels/"):
        page = html(client.get(url))
        for attribute in re.findall(r'(?:src|href)="(https?://[^"]+)"', page):
            # Outbound links are fine; nothing external is loaded (no src, no stylesheet).
            assert not re.search(rf'(?:src|rel="stylesheet" href)="{re.escape(attribute)}"', page)
        assert '<script src="http' not in page and "@import" not in page


def test_provider_page_shows_offers_areas_contact_and_structured_data(client, demo_data):
    page = html(client.get("/prestataires/essonne-gestion-libre/"))
    assert '<h1 id="provider-title">Essonne Gestion Libre</h1>' in page
    assert "Dolibarr" in page and "Formation" in page
    assert "Essonne (91)" in page and "Seine-et-Marne (77)" in page
    assert 'href="mailto:contact@essonne-gestion-libre.example"' in page
    assert "https://www.openstreetmap.org/search?query=" in page
    assert "Signaler une erreur" in page
    assert "Grappe démo Île-de-France" in page
    assert "Dernière vérification" in page
    data = json.loads(
        re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    )
    assert data["@type"] == "Organization"
    assert data["name"] == "Essonne Gestion Libre"
    assert {"@type": "AdministrativeArea", "name": "Essonne"} in data["areaServed"]
    offered = {offer["itemOffered"]["name"] for offer in data["makesOffer"]}
    assert "Formation — Dolibarr" in offered
    assert data["address"]["addressLocality"] == "Évry-Courcouronnes"


def test_provider_page_keeps_the_way_back_to_results(client, demo_data):
    page = html(
        client.get("/prestataires/essonne-gestion-libre/", {"retour": "q=dolibarr&ou=Évry"})
    )
    assert 'href="/prestataires/?q=dolibarr&amp;ou=Évry"' in page


def test_json_ld_cannot_be_broken_out_of(client):
    provider = ProviderFactory(name="Evil</script><script>alert(1)</script>", slug="evil")
    page = html(client.get("/prestataires/evil/"))
    assert "<script>alert(1)" not in page
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    assert json.loads(block)["name"] == provider.name


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.ARCHIVED])
def test_unpublished_provider_pages_are_real_404s(client, status):
    ProviderFactory(slug="cache", status=status)
    response = client.get("/prestataires/cache/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_unknown_pages_get_the_styled_404(client):
    for url in (
        "/prestataires/inconnu/",
        "/logiciels/inconnu/",
        "/territoires/nulle-part/",
        "/territoires/ile-de-france/rhone/",
        "/nope",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Page introuvable" in response.content.decode()
        assert 'id="contenu"' in response.content.decode()


def test_software_page_counts_by_service_and_region(client, demo_data):
    page = html(client.get("/logiciels/dolibarr/"))
    assert "<h1>Dolibarr</h1>" in page
    assert "GPL-3.0-or-later" in page
    assert 'href="https://www.dolibarr.org"' in page
    assert "?logiciel=dolibarr&amp;service=formation" in page
    assert "?logiciel=dolibarr&amp;region=ile-de-france" in page
    assert "Essonne Gestion Libre" in page


def test_software_list_groups_by_category(client, demo_data):
    page = html(client.get("/logiciels/"))
    assert "Gestion d&#x27;entreprise (ERP / CRM)" in page
    assert 'href="/logiciels/nextcloud/"' in page


def test_software_page_shows_catalogue_cross_references(client):
    SoftwareFactory(name="Nextcloud", wikidata_id="Q25874683", sill_id=93, comptoir_id=117)
    page = html(client.get("/logiciels/nextcloud/"))
    assert "https://www.wikidata.org/wiki/Q25874683" in page
    assert "code.gouv.fr/sill" in page and "comptoir-du-libre.org" in page


def test_region_departement_epci_and_commune_pages(client, demo_data):
    region = html(client.get("/territoires/ile-de-france/"))
    assert "<h1>Île-de-France</h1>" in region
    assert 'href="/territoires/ile-de-france/essonne/"' in region
    dep = html(client.get("/territoires/ile-de-france/essonne/"))
    assert "Installés à Essonne" in dep and "Essonne Gestion Libre" in dep
    assert "Intercommunalités" in dep
    epci = html(
        client.get("/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/")
    )
    assert "Communes membres" in epci and "Évry-Courcouronnes" in epci
    town = html(client.get("/territoires/ile-de-france/essonne/evry-courcouronnes-91228/"))
    assert "Code INSEE 91228" in town
    assert "?ou=%C3%89vry-Courcouronnes+%2891%29&amp;logiciel=dolibarr" in town


def test_territory_page_for_collectivites_lists_located_and_serving(client, demo_data):
    page = html(client.get("/territoires/ile-de-france/essonne/"))
    assert "Intervenant à Essonne" in page
    assert "Infra Libre Seine" in page  # national provider
    assert "prestataires installés ici" in page


def test_territory_page_query_count_is_bounded(client, demo_data, uncached_pages):
    url = "/territoires/ile-de-france/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html(client.get(url))
    first = len(queries)
    for index in range(10):
        OfferingFactory(provider__seat=commune("75056"), provider__name=f"Paris {index}")
    client.get(url)  # the new programs' names read again once (the map's program list)
    with CaptureQueriesContext(connection) as queries:
        html(client.get(url))
    # 14, then 3 for the map: the providers' seats and service areas for the shading, the
    # seats' points; none per provider or per area.
    assert len(queries) == first <= 17


def test_a_territory_url_must_match_its_parents(client):
    assert client.get("/territoires/bretagne/essonne/").status_code == 404
    assert client.get("/territoires/ile-de-france/essonne/lyon-69123/").status_code == 404


def test_place_suggestions_endpoint(client):
    response = client.get("/lieux/suggestions", {"q": "evry"})
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["label"] == "Évry-Courcouronnes (91)"
    assert "Essonne" in results[0]["detail"]
    assert client.get("/lieux/suggestions", {"q": "e"}).json() == {"results": []}
    assert client.get("/lieux/suggestions", {"q": "\x00" * 50}).status_code == 200


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/a-propos/", "À propos"),
        ("/accessibilite/", "Déclaration d'accessibilité"),
        ("/donnees-ouvertes/", "Données ouvertes"),
        ("/mentions-legales/", "Mentions légales"),
    ],
)
def test_footer_pages(client, url, title):
    page = html(client.get(url))
    assert f"<h1>{title}</h1>" in page


def test_styled_500_page_needs_no_database(rf):
    from annuaire.views import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "Une erreur est survenue" in response.content.decode()


def test_service_areas_are_listed_by_level(client):
    provider = ProviderFactory(
        name="Zones",
        slug="zones",
        seat=commune("69123"),
        service_areas=[commune("91228"), departement("91")],
    )
    page = html(client.get(provider.get_absolute_url()))
    assert page.index("Essonne (91)") < page.index("Évry-Courcouronnes (91)")


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/prestataires/?ou=Essonne",
        "/prestataires/essonne-gestion-libre/",
        "/logiciels/dolibarr/",
        "/territoires/ile-de-france/",
        "/territoires/ile-de-france/essonne/",
        "/referencer/",
    ],
)
def test_html_ids_are_unique(client, demo_data, url):
    from collections import Counter

    ids = Counter(re.findall(r'\sid="([^"]+)"', html(client.get(url))))
    assert [value for value, count in ids.items() if count > 1] == []
