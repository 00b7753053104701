"""The read-only JSON API (/api/v1/) and the SILL feed, as client programs use them.

A program that reads the directory gets what a person sees on the search page, as
cacheable JSON with ISO dates and absolute URLs; a malformed request gets a JSON
answer that says what is wrong instead of silently different results.
"""

import datetime
import types
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from core import ratelimit
from offerings.models import ServiceKind, Software
from providers.models import Provider, Status
from territories.models import Territory
from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune

pytestmark = pytest.mark.django_db

API = "/api/v1/"
SERVER = "http://testserver/"
UNPUBLISHED_DEMO = {"ancienne-societe-libre", "brouillon-libre-conseil", "essonne-nuage-en-projet"}


def get_json(client, url, params=None, status=200, **kwargs):
    response = client.get(url, params, **kwargs)
    assert response.status_code == status, (url, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json"
    return response.json()


def all_provider_slugs(client, **params):
    """Every provider the API lists for `params`, following the « suivante » links."""
    slugs, url, query = [], f"{API}prestataires/", {**params, "par_page": "100"}
    while url:
        data = get_json(client, url, query)
        slugs += [item["slug"] for item in data["resultats"]]
        url, query = data["suivante"], None
    return slugs


def iter_urls(value):
    """Every string under a key ending in "url" (or "documentation") in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, str) and (key.endswith("url") or key == "documentation"):
                yield item
            else:
                yield from iter_urls(item)
    elif isinstance(value, list):
        for item in value:
            yield from iter_urls(item)


# The providers list: the search page, as JSON --------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"q": "dolibarr", "ou": "Essonne"},
        {"q": "Dolibarr", "ou": "Évry"},
        {"ou": "Évry-Courcouronnes (91)", "local": "on"},
        {"ou": "evri courcouronnes"},  # typo, corrected
        {"q": "hébergement nextcloud", "par_page": "50"},
        {"logiciel": "nextcloud", "service": "hebergement"},
        {"logiciel": ["dolibarr", "odoo-community"], "tri": "nom"},
        {"region": "ile-de-france", "tri": "verification"},
        {"effectif": ["01", "02"], "label": "qualiopi"},
        {"disponible": "on", "par_page": "20", "page": "2"},
        {"categorie": "bureautique", "service": "formation"},
        {"q": "formation", "page": "2"},
        {},
    ],
)
def test_api_lists_the_same_providers_as_the_search_page(client, demo_data, params):
    page = client.get("/prestataires/", params)
    assert page.status_code == 200
    html_page = page.context["page"]
    data = get_json(client, f"{API}prestataires/", params)
    assert [item["slug"] for item in data["resultats"]] == [
        provider.slug for provider in html_page.object_list
    ]
    assert data["nombre"] == html_page.paginator.count
    assert data["pages"] == html_page.paginator.num_pages
    assert data["page"] == html_page.number
    place = page.context["place"].territory
    if place is None:
        assert data["lieu"] is None
    else:
        assert (data["lieu"]["niveau"], data["lieu"]["code"]) == (place.level, place.code)
        assert data["lieu"]["libelle"] == str(place)


def test_lieu_is_the_place_the_where_text_resolved_to(client, demo_data):
    data = get_json(client, f"{API}prestataires/", {"q": "dolibarr", "ou": "Évry"})
    assert data["lieu"] == {
        "niveau": "commune",
        "code": "91228",
        "nom": "Évry-Courcouronnes",
        "libelle": "Évry-Courcouronnes (91)",
        "population": Territory.objects.get(level="commune", code="91228").population,
        "url": f"{SERVER}api/v1/territoires/commune/91228/",
    }
    assert [item["nom"] for item in data["resultats"]] == [
        "Essonne Gestion Libre",
        "Atelier Facture Ouverte",
    ]


def test_pages_link_to_each_other_with_absolute_urls(client, demo_data):
    published = Provider.objects.published().count()
    first = get_json(client, f"{API}prestataires/", {"tri": "nom"})
    assert first["nombre"] == published
    assert first["pages"] == -(-published // 20)
    assert first["page"] == 1 and first["precedente"] is None
    assert len(first["resultats"]) == 20
    assert first["suivante"].startswith(f"{SERVER}api/v1/prestataires/?")
    assert parse_qs(urlsplit(first["suivante"]).query) == {"tri": ["nom"], "page": ["2"]}

    second = get_json(client, first["suivante"])
    assert second["page"] == 2
    assert parse_qs(urlsplit(second["precedente"]).query) == {"tri": ["nom"], "page": ["1"]}
    back = get_json(client, second["precedente"])
    assert back["resultats"] == first["resultats"]

    last = get_json(client, f"{API}prestataires/", {"tri": "nom", "page": first["pages"]})
    assert last["suivante"] is None
    assert last["precedente"].startswith(SERVER)
    assert len(last["resultats"]) == published - 20 * (first["pages"] - 1)


def test_only_published_providers_are_listed_or_shown(client, demo_data):
    hidden = ProviderFactory(name="Site Injoignable", hidden_unreachable=True)
    slugs = all_provider_slugs(client)
    assert sorted(slugs) == sorted(Provider.objects.published().values_list("slug", flat=True))
    assert len(slugs) == len(set(slugs)) == 65
    for slug in [*UNPUBLISHED_DEMO, hidden.slug]:
        assert slug not in slugs
        error = get_json(client, f"{API}prestataires/{slug}/", status=404)
        assert error["erreur"] == "Prestataire introuvable."
    # The pending listing in Évry offers Nextcloud: not in Évry's Nextcloud results.
    assert "essonne-nuage-en-projet" not in all_provider_slugs(
        client, logiciel="nextcloud", ou="Évry"
    )


def test_contact_email_is_given_only_when_the_provider_chose_to_show_it(client):
    shown = ProviderFactory(name="Affiche Courriel", show_email=True)
    private = ProviderFactory(name="Garde Courriel", show_email=False)
    assert get_json(client, f"{API}prestataires/{shown.slug}/")["email"] == shown.email
    assert get_json(client, f"{API}prestataires/{private.slug}/")["email"] is None
    listed = {
        item["slug"]: item["email"]
        for item in get_json(client, f"{API}prestataires/", {"par_page": "100"})["resultats"]
    }
    assert (listed[shown.slug], listed[private.slug]) == (shown.email, None)


def test_provider_detail_describes_the_listing(client, demo_data):
    data = get_json(client, f"{API}prestataires/essonne-gestion-libre/")
    assert data["nom"] == "Essonne Gestion Libre"
    assert data["url"] == f"{SERVER}prestataires/essonne-gestion-libre/"
    assert data["api_url"] == f"{SERVER}api/v1/prestataires/essonne-gestion-libre/"
    assert data["siege"]["code_insee"] == "91228"
    assert data["siege"]["departement"] == "Essonne"
    assert data["siege"]["region"] == "Île-de-France"
    assert {"niveau": "departement", "code": "91", "libelle": "Essonne (91)"} in data[
        "zones_intervention"
    ]
    dolibarr = next(offer for offer in data["offres"] if offer["logiciel"]["slug"] == "dolibarr")
    assert {"slug": "formation", "nom": "Formation"} in dolibarr["services"]
    assert data["grappe"] == "Grappe démo Île-de-France"
    assert data["siren"] is None  # demo providers are fictional: no SIREN


# Dates and URLs ------------------------------------------------------------------------


def test_dates_are_iso_8601_with_a_time_zone(client, demo_data):
    provider = Provider.objects.published().get(slug="essonne-gestion-libre")
    data = get_json(client, f"{API}prestataires/essonne-gestion-libre/")
    for field, expected in [
        ("derniere_verification", provider.last_verified_at),
        ("publie_le", provider.published_at),
        ("modifie_le", provider.updated_at),
    ]:
        parsed = datetime.datetime.fromisoformat(data[field])
        assert parsed.tzinfo is not None, field
        assert parsed == expected, field
    for item in get_json(client, f"{API}prestataires/", {"par_page": "100"})["resultats"]:
        datetime.datetime.fromisoformat(item["modifie_le"])
        datetime.datetime.fromisoformat(item["derniere_verification"])


@pytest.mark.parametrize(
    "path",
    [
        "",
        "prestataires/?tri=nom&page=2",
        "prestataires/essonne-gestion-libre/",
        "logiciels/",
        "logiciels/dolibarr/",
        "territoires/",
        "territoires/commune/91228/",
        "territoires/epci/200059228/",
    ],
)
def test_every_url_in_the_api_is_absolute(client, demo_data, path):
    urls = list(iter_urls(get_json(client, f"{API}{path}")))
    assert urls
    for url in urls:
        assert url.startswith(SERVER), url


def test_the_api_index_links_every_resource(client, demo_data):
    data = get_json(client, API)
    assert data["documentation"] == f"{SERVER}api/v1/openapi.json"
    assert set(data["ressources"]) == {
        "prestataires",
        "logiciels",
        "services",
        "territoires",
        "sill",
    }
    for url in data["ressources"].values():
        assert client.get(url).status_code == 200, url


# Malformed requests ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "named"),
    [
        ("prestataires/", {"logiciel": "logiciel-inconnu"}, "logiciel-inconnu"),
        ("prestataires/", {"service": "jardinage"}, "jardinage"),
        ("prestataires/", {"region": "atlantide"}, "atlantide"),
        ("prestataires/", {"tri": "hasard"}, "Tri inconnu"),
        ("prestataires/", {"couleur": "bleu"}, "couleur"),
        ("prestataires/", {"ou": "Zzyzxville-sur-Mer"}, "Zzyzxville-sur-Mer"),
        ("prestataires/", {"q": "x" * 201}, "trop long"),
        ("prestataires/", {"page": "abc"}, "page"),
        ("prestataires/", {"page": "0"}, "page"),
        ("prestataires/", {"page": "-1"}, "page"),
        ("prestataires/", {"page": "²"}, "page"),
        ("prestataires/", {"page": "1000001"}, "page"),
        ("prestataires/", {"par_page": "7"}, "par_page"),
        ("prestataires/", {"par_page": "abc"}, "par_page"),
        ("territoires/", {"niveau": "pays"}, "niveau"),
        ("territoires/", {"niveau": "commune"}, "« q »"),
        ("territoires/", {"niveau": "epci"}, "« q »"),
        ("territoires/", {"q": "x" * 121}, "« q »"),
        ("territoires/", {"page": "deux"}, "page"),
    ],
)
def test_a_malformed_parameter_gets_a_json_400_that_names_it(
    client, demo_data, path, params, named
):
    response = client.get(f"{API}{path}", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["erreur"]
    assert named in " ".join([data["erreur"], *data["details"]])


def test_an_ambiguous_place_lists_the_choices(client, demo_data):
    data = get_json(client, f"{API}prestataires/", {"q": "nextcloud", "ou": "Saint-Denis"}, 400)
    assert "Saint-Denis" in data["erreur"]
    assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= set(data["details"])
    # Each choice is a valid "ou" that resolves to that place.
    chosen = get_json(client, f"{API}prestataires/", {"ou": "Saint-Denis (974)"})
    assert chosen["lieu"]["code"] == "97411"


def test_a_page_past_the_end_is_a_json_404(client, demo_data):
    data = get_json(client, f"{API}prestataires/", {"q": "dolibarr", "page": "50"}, 404)
    assert "50" in data["erreur"]
    assert get_json(client, f"{API}territoires/", {"page": "2"}, 404)["erreur"]
    # An empty result still has its page 1.
    empty = get_json(
        client, f"{API}prestataires/", {"q": "dolibarr", "ou": "Ouessant", "local": "on"}
    )
    assert (empty["nombre"], empty["page"], empty["resultats"]) == (0, 1, [])


@pytest.mark.parametrize(
    "path",
    [
        "prestataires/inconnu/",
        "logiciels/inconnu/",
        "territoires/commune/00000/",
        "territoires/pays/75/",
        "territoires/region/91/",
    ],
)
def test_unknown_slugs_and_codes_are_json_404s(client, demo_data, path):
    data = get_json(client, f"{API}{path}", status=404)
    assert data["erreur"].endswith("introuvable.")


@pytest.mark.parametrize(
    "path",
    [
        "",
        "prestataires/",
        "prestataires/essonne-gestion-libre/",
        "logiciels/",
        "services/",
        "territoires/",
        "openapi.json",
        "/api/prestataires-sill.json",
    ],
)
def test_the_api_is_read_only(client, demo_data, path):
    url = path if path.startswith("/") else f"{API}{path}"
    for method in (client.post, client.put, client.delete, client.patch):
        response = method(url, {})
        assert response.status_code == 405, (method, path)
        assert "GET" in response["Allow"]
    assert client.head(url).status_code == 200


def test_a_refused_method_is_answered_in_json_like_other_errors(client):
    response = client.post(f"{API}prestataires/")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json()["erreur"]


def test_a_post_from_a_real_client_is_refused_as_a_read_only_method(demo_data):
    real_client = Client(enforce_csrf_checks=True)
    response = real_client.post(f"{API}prestataires/", {"q": "dolibarr"})
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("params", "named"),
    [({"ou": "Essonne", "local": "yes"}, "local"), ({"disponible": "AAA"}, "disponible")],
)
def test_a_malformed_yes_no_filter_is_refused(client, demo_data, params, named):
    data = get_json(client, f"{API}prestataires/", params, status=400)
    assert named in " ".join([data["erreur"], *data["details"]])


@pytest.mark.parametrize("path", ["prestataires/café/", "logiciels/libre.office/"])
def test_a_malformed_slug_is_a_json_404(client, path):
    get_json(client, f"{API}{path}", status=404)


@pytest.mark.parametrize(
    "path",
    [
        "territoires/commune/%00/",
        "territoires/%00/91/",
        "prestataires/%00%3Cx-probe%3E/",  # found by the property tests on PostgreSQL
        "logiciels/%00/",
    ],
)
def test_a_nul_character_in_a_path_is_a_json_404(client, path):
    client.raise_request_exception = False
    get_json(client, f"{API}{path}", status=404)


# Caching, CORS, rate limit ------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "",
        "prestataires/?q=dolibarr",
        "prestataires/essonne-gestion-libre/",
        "logiciels/",
        "logiciels/dolibarr/",
        "services/",
        "territoires/",
        "territoires/departement/91/",
        "/api/prestataires-sill.json",
    ],
)
def test_answers_can_be_cached_and_revalidated(client, demo_data, path):
    url = path if path.startswith("/") else f"{API}{path}"
    response = client.get(url)
    assert response.status_code == 200
    etag = response["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    assert response["Access-Control-Allow-Origin"] == "*"

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Access-Control-Allow-Origin"] == "*"

    other = client.get(url, headers={"If-None-Match": '"autre-version"'})
    assert other.status_code == 200
    assert other.content == response.content


def test_a_change_gives_a_new_etag_and_a_fresh_answer(client, demo_data):
    url = f"{API}prestataires/essonne-gestion-libre/"
    before = client.get(url)
    provider = Provider.objects.get(slug="essonne-gestion-libre")
    provider.description = "Nouvelle présentation."
    provider.save()
    after = client.get(url, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json()["description"] == "Nouvelle présentation."


def test_details_carry_last_modified(client, demo_data):
    provider = Provider.objects.get(slug="essonne-gestion-libre")
    response = client.get(f"{API}prestataires/essonne-gestion-libre/")
    assert response["Last-Modified"] == http_date(provider.updated_at.timestamp())
    dolibarr = Software.objects.get(slug="dolibarr")
    response = client.get(f"{API}logiciels/dolibarr/")
    assert response["Last-Modified"] == http_date(dolibarr.updated_at.timestamp())


def test_errors_are_not_cached(client, demo_data):
    response = client.get(f"{API}prestataires/inconnu/")
    assert response.status_code == 404
    assert response["Cache-Control"] == "no-store"


def test_too_many_requests_get_a_429_with_retry_after(client, settings, monkeypatch):
    settings.API_REQUESTS_PER_MINUTE = 3
    # One fixed minute, so that the four requests cannot straddle two windows.
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))
    for _ in range(3):
        assert client.get(f"{API}services/").status_code == 200
    response = client.get(f"{API}logiciels/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) > 0
    assert "3 par minute" in response.json()["erreur"]
    # Counted per address: another client is still served.
    assert client.get(f"{API}services/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_the_limit_applies_to_the_sill_feed_too(client, settings, monkeypatch):
    settings.API_REQUESTS_PER_MINUTE = 1
    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))
    assert client.get("/api/prestataires-sill.json").status_code == 200
    assert client.get("/api/prestataires-sill.json").status_code == 429


# Software, services, territories ---------------------------------------------------------


def test_software_list_counts_published_providers_only(client, demo_data):
    OfferingFactory(
        provider=ProviderFactory(name="Cachée", hidden_unreachable=True),
        software=Software.objects.get(slug="nextcloud"),
    )
    data = get_json(client, f"{API}logiciels/")
    names = [item["nom"] for item in data["resultats"]]
    assert names == list(Software.objects.order_by("name").values_list("name", flat=True))
    for item in data["resultats"]:
        expected = (
            Provider.objects.published()
            .filter(offerings__software__slug=item["slug"])
            .distinct()
            .count()
        )
        assert item["nombre_prestataires"] == expected, item["slug"]
    # Nextcloud is also offered by an archived, a pending and a hidden listing.
    nextcloud = next(item for item in data["resultats"] if item["slug"] == "nextcloud")
    all_offering = Provider.objects.filter(offerings__software__slug="nextcloud").count()
    assert nextcloud["nombre_prestataires"] == all_offering - 3


def test_software_detail(client, demo_data):
    data = get_json(client, f"{API}logiciels/nextcloud/")
    assert data["nom"] == "Nextcloud"
    assert data["categorie"] == "fichiers-collaboration"
    assert data["categorie_libelle"] == "Fichiers et travail collaboratif"
    assert data["wikidata"] == "Q25874683"
    assert (data["sill_id"], data["comptoir_du_libre_id"]) == (93, 117)
    assert data["licence"] == "AGPL-3.0-or-later"
    assert data["url"] == f"{SERVER}logiciels/nextcloud/"
    assert data["api_url"] == f"{SERVER}api/v1/logiciels/nextcloud/"
    listed = get_json(client, f"{API}prestataires/", {"logiciel": "nextcloud"})
    assert data["nombre_prestataires"] == listed["nombre"]


def test_services_are_the_kinds_of_service_in_display_order(client):
    data = get_json(client, f"{API}services/")
    assert [item["slug"] for item in data["resultats"]] == list(
        ServiceKind.objects.values_list("slug", flat=True)
    )
    assert data["resultats"][0]["slug"] == "installation"
    assert all(set(item) == {"slug", "nom", "description"} for item in data["resultats"])


def test_territories_are_the_regions_by_default(client):
    data = get_json(client, f"{API}territoires/")
    assert data["nombre"] == 18 and data["pages"] == 1
    assert {item["niveau"] for item in data["resultats"]} == {"region"}
    names = [item["nom"] for item in data["resultats"]]
    assert names == list(
        Territory.objects.regions().order_by("name").values_list("name", flat=True)
    )
    assert "Île-de-France" in names


def test_territories_search_by_name_code_and_level(client):
    evry = get_json(client, f"{API}territoires/", {"q": "evry"})["resultats"]
    assert evry[0]["libelle"] == "Évry-Courcouronnes (91)"
    by_postcode = get_json(client, f"{API}territoires/", {"q": "91000"})["resultats"]
    assert "Évry-Courcouronnes (91)" in [item["libelle"] for item in by_postcode]
    departement = get_json(client, f"{API}territoires/", {"q": "essonne", "niveau": "departement"})
    assert [item["code"] for item in departement["resultats"]] == ["91"]
    departements = get_json(client, f"{API}territoires/", {"niveau": "departement"})
    assert departements["nombre"] == 101 and departements["pages"] == 3
    assert len(departements["resultats"]) == 50
    assert departements["suivante"].startswith(f"{SERVER}api/v1/territoires/?")


@pytest.mark.parametrize(
    ("level", "code", "ancestors"),
    [
        ("commune", "91228", [("epci", "200059228"), ("departement", "91"), ("region", "11")]),
        ("departement", "91", [("region", "11")]),
        ("region", "11", []),
        ("epci", "200059228", [("departement", "77"), ("departement", "91"), ("region", "11")]),
    ],
)
def test_territory_detail_gives_ancestors_and_counts(client, demo_data, level, code, ancestors):
    data = get_json(client, f"{API}territoires/{level}/{code}/")
    assert (data["niveau"], data["code"]) == (level, code)
    assert [(parent["niveau"], parent["code"]) for parent in data["contenu_dans"]] == ancestors
    place = Territory.objects.select_related("region", "departement", "epci").get(
        level=level, code=code
    )
    published = Provider.objects.published()
    assert data["nombre_prestataires_installes"] == published.located_in(place).count()
    assert data["nombre_prestataires_intervenant"] == published.serving(place).count()
    assert data["nombre_prestataires_intervenant"] >= data["nombre_prestataires_installes"]
    # The "prestataires" link is the provider list for that place.
    assert data["prestataires"].startswith(f"{SERVER}api/v1/prestataires/?ou=")
    listed = get_json(client, data["prestataires"])
    assert (listed["lieu"]["niveau"], listed["lieu"]["code"]) == (level, code)
    assert listed["nombre"] == data["nombre_prestataires_intervenant"]


def test_essonne_counts_exclude_the_pending_listing(client, demo_data):
    data = get_json(client, f"{API}territoires/commune/91228/")
    seated = Provider.objects.filter(seat__code="91228")
    assert seated.filter(status=Status.PENDING).exists()
    assert data["nombre_prestataires_installes"] == seated.filter(status=Status.PUBLISHED).count()


# The SILL feed -------------------------------------------------------------------------------


def test_sill_feed_has_exactly_the_shape_the_sill_reads(client, demo_data):
    response = client.get("/api/prestataires-sill.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    feed = response.json()
    assert isinstance(feed, list) and feed
    for entry in feed:
        assert set(entry) == {"nom", "sill_id", "prestataires"}
        assert isinstance(entry["nom"], str)
        assert type(entry["sill_id"]) is int
        assert isinstance(entry["prestataires"], list) and entry["prestataires"]
        for provider in entry["prestataires"]:
            assert set(provider) == {"nom", "siren", "url"}
            assert all(isinstance(value, str) for value in provider.values())
            assert provider["url"].startswith(f"{SERVER}prestataires/")


def test_sill_feed_lists_sill_software_with_their_published_providers(client, demo_data):
    nextcloud = Software.objects.get(slug="nextcloud")
    with_siren = ProviderFactory(name="Vraie Entreprise", siren="552100554")
    OfferingFactory(provider=with_siren, software=nextcloud)
    OfferingFactory(
        provider=ProviderFactory(name="Cachée", hidden_unreachable=True), software=nextcloud
    )
    SoftwareFactory(name="Hors SILL")  # no sill_id
    OfferingFactory(provider=with_siren, software=Software.objects.get(slug="dolibarr"))
    SoftwareFactory(name="Au SILL sans prestataire", sill_id=999_999)

    feed = client.get("/api/prestataires-sill.json").json()
    sill_ids = [entry["sill_id"] for entry in feed]
    assert len(sill_ids) == len(set(sill_ids))  # one entry per software
    offered = Software.objects.filter(
        sill_id__isnull=False, offerings__provider__in=Provider.objects.published()
    ).distinct()
    assert sorted(sill_ids) == sorted(offered.values_list("sill_id", flat=True))
    assert 999_999 not in sill_ids
    assert "Dolibarr" not in [entry["nom"] for entry in feed]  # not in the SILL

    by_id = {entry["sill_id"]: entry for entry in feed}
    for software in offered:
        expected = set(
            Provider.objects.published()
            .filter(offerings__software=software)
            .values_list("name", flat=True)
        )
        names = [provider["nom"] for provider in by_id[software.sill_id]["prestataires"]]
        assert len(names) == len(set(names))
        assert set(names) == expected, software.name
        assert by_id[software.sill_id]["nom"] == software.name

    nextcloud_providers = by_id[93]["prestataires"]
    assert {
        "nom": "Vraie Entreprise",
        "siren": "552100554",
        "url": f"{SERVER}{with_siren.get_absolute_url().lstrip('/')}",
    } in nextcloud_providers
    names = {provider["nom"] for provider in nextcloud_providers}
    assert "Cachée" not in names
    assert not {"Ancienne Société Libre", "Essonne Nuage en Projet"} & names


# Query counts ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params", [{}, {"q": "formation"}, {"disponible": "on", "tri": "verification"}]
)
def test_provider_list_costs_the_same_queries_for_20_or_100_results(client, demo_data, params):
    url = f"{API}prestataires/"
    assert client.get(url, {**params, "par_page": "20"}).status_code == 200  # warm the caches
    counts = {}
    for size in ("20", "100"):
        with CaptureQueriesContext(connection) as queries:
            data = get_json(client, url, {**params, "par_page": size})
        counts[size] = (len(queries), len(data["resultats"]))
    assert counts["20"][1] < counts["100"][1]
    assert counts["20"][0] == counts["100"][0] <= 15, counts


def test_territory_pages_of_the_api_cost_few_queries(client, demo_data):
    for path in ("territoires/commune/91228/", "territoires/", "logiciels/"):
        client.get(f"{API}{path}")
        with CaptureQueriesContext(connection) as queries:
            get_json(client, f"{API}{path}")
        assert len(queries) <= 8, (path, [query["sql"] for query in queries.captured_queries])


def test_seat_commune_of_a_new_provider_is_reported(client):
    provider = ProviderFactory(name="Brestoise", seat=commune("29019"))
    data = get_json(client, f"{API}prestataires/{provider.slug}/")
    assert data["siege"]["libelle"] == "Brest (29)"
    assert data["siege"]["region"] == "Bretagne"
