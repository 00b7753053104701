"""The directory search on the demo set: "what" + "where", facets, sorting, pagination.

These tests run on PostgreSQL and on SQLite (see .ci/run); the expected results
are the same, which is what proves both databases answer alike.
"""

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from providers.models import Provider
from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune

pytestmark = pytest.mark.django_db
URL = "/prestataires/"


def names(response):
    return [provider.name for provider in response.context["page"].object_list]


def total(response):
    return response.context["page"].paginator.count


@pytest.fixture
def search(client, demo_data):
    def run(**params):
        response = client.get(URL, params)
        assert response.status_code == 200
        return response

    return run


def test_owner_search_dolibarr_near_evry_finds_local_integrator_first(search):
    response = search(q="Dolibarr", ou="Évry")
    assert response.context["place"].territory.name == "Évry-Courcouronnes"
    assert names(response) == ["Essonne Gestion Libre", "Atelier Facture Ouverte"]
    page = response.content.decode()
    assert "Installé sur place" in page
    assert "à 17 km" in page  # Massy, nearest first from a commune


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Hébergement Nextcloud", None),
        ("hebergement nextcloud", None),  # accents
        ("HÉBERGEMENTS NEXTCLOUD", None),  # case and plural
        ("nextcl heberg", None),  # prefixes
        ("nexcloud hébergement", None),  # typo on the software name
    ],
)
def test_text_search_is_accent_case_plural_prefix_and_typo_tolerant(search, typed, expected):
    reference = set(names(search(q="hébergement Nextcloud", par_page=100)))
    assert len(reference) >= 8
    assert set(names(search(q=typed, par_page=100))) == reference


def test_formations_finds_formation(search):
    assert total(search(q="formations")) == total(search(q="formation")) >= 20


def test_dolibar_and_nexcloud_typos_find_the_software(search):
    assert set(names(search(q="dolibar", par_page=100))) == set(
        names(search(q="dolibarr", par_page=100))
    )
    response = search(q="nexcloud")
    assert total(response) == total(search(q="nextcloud")) > 0
    assert "« nexcloud » cherche aussi « Nextcloud »" in response.content.decode()


def test_name_match_ranks_above_description_match(search):
    ranked = names(search(q="vidéo"))
    assert ranked[0] in {"Armor Vidéo Ouverte", "Toulouse Vidéo Libre"}


def test_search_covers_offering_descriptions_and_seat_commune(search):
    provider = ProviderFactory(name="Sans Mot Clé", seat=commune("29155"))  # Ouessant
    OfferingFactory(provider=provider, description="Tableaux de bord Grafana pour mairies")
    assert names(search(q="grafana")) == ["Sans Mot Clé"]
    assert "Sans Mot Clé" in names(search(q="ouessant"))


@pytest.mark.parametrize(
    "where", ["Évry", "evry", "91000", "Évry-Courcouronnes (91)", "courcouronne", "91182"]
)
def test_where_accepts_names_postal_codes_and_former_codes(search, where):
    response = search(ou=where)
    assert response.context["place"].territory.code == "91228"


def test_where_typo_is_corrected_and_said(search):
    response = search(ou="evri courcouronnes")
    assert response.context["place"].territory.code == "91228"
    assert "introuvable tel quel" in response.content.decode()


def test_ambiguous_place_asks_which_one_without_js(search):
    response = search(q="Nextcloud", ou="Saint-Denis")
    page = response.content.decode()
    assert "Plusieurs lieux correspondent à « Saint-Denis »" in page
    assert "Saint-Denis (93)" in page and "Saint-Denis (974)" in page
    choice = next(c for c in response.context["place_choices"] if c["territory"].code == "93066")
    followed = search(**QueryDict(choice["query"]).dict())
    assert followed.context["place"].territory.code == "93066"


def test_where_means_providers_able_to_serve_the_place(search):
    essonne = set(names(search(ou="Essonne", par_page=100)))
    # Seated in Essonne, serving other places in Île-de-France, or the whole country.
    assert {"Essonne Gestion Libre", "Atelier Facture Ouverte", "Nuage Francilien"} <= essonne
    assert "Bureautique Ouverte Paris" in essonne  # serves Île-de-France
    assert "Infra Libre Seine" in essonne  # serves all of France
    assert "Lyon Gestion Ouverte" not in essonne


def test_local_toggle_keeps_providers_located_there(search):
    response = search(ou="Essonne", local="on")
    assert set(names(response)) == {"Essonne Gestion Libre", "Atelier Facture Ouverte"}


def test_region_search_ranks_located_providers_first(search):
    ranked = names(search(ou="Île-de-France", par_page=100))
    located = {p.name for p in Provider.objects.published().filter(seat__region__code="11")}
    assert set(ranked[: len(located)]) == located


def test_facets_count_with_the_other_filters(search):
    response = search(ou="Île-de-France", logiciel="nextcloud")
    facets = {facet["name"]: facet for facet in response.context["facets"]}
    software = {row["value"]: row for row in facets["logiciel"]["rows"]}
    # The software facet ignores its own filter but keeps the place.
    everything_here = total(search(ou="Île-de-France"))
    assert software["nextcloud"]["selected"]
    assert software["nextcloud"]["count"] == total(response)
    assert all(row["count"] <= everything_here for row in software.values())
    services = {row["value"]: row["count"] for row in facets["service"]["rows"]}
    assert services["hebergement"] == total(
        search(ou="Île-de-France", logiciel="nextcloud", service="hebergement")
    )


def test_software_and_service_filters_apply_to_the_same_offering(search):
    # Dolibarr training, not "offers Dolibarr" and "offers some training".
    provider = ProviderFactory(name="Mixte", seat=commune("75056"))
    OfferingFactory(
        provider=provider, software=SoftwareFactory(name="Dolibarr"), kinds=["installation"]
    )
    OfferingFactory(provider=provider, software=SoftwareFactory(name="Moodle"), kinds=["formation"])
    found = names(search(logiciel="dolibarr", service="formation", par_page=100))
    assert "Mixte" not in found
    assert "Essonne Gestion Libre" in found


def test_active_filters_are_removable_chips(search):
    response = search(q="nextcloud", logiciel="nextcloud", region="bretagne")
    chips = {chip["label"]: chip["query"] for chip in response.context["chips"]}
    assert "Région du siège : Bretagne" in chips
    assert "region" not in chips["Région du siège : Bretagne"]
    assert "logiciel=nextcloud" in chips["Région du siège : Bretagne"]


def test_sorting_by_name_and_by_verification(search):
    by_name = names(search(tri="nom", par_page=100))
    assert by_name == sorted(by_name, key=str.lower) or by_name == sorted(by_name)
    verified = search(tri="verification", par_page=100).context["page"].object_list
    dates = [p.last_verified_at for p in verified]
    assert dates == sorted(dates, reverse=True)


def test_pagination_is_stable_and_complete(search):
    first = search(tri="nom")
    second = search(tri="nom", page=2)
    assert total(first) == Provider.objects.published().count()
    assert len(names(first)) == 20
    assert not set(names(first)) & set(names(second))
    everything = names(search(tri="nom", par_page=100))
    assert names(first) + names(second) == everything[:40]


def test_empty_result_explains_and_offers_to_widen(search):
    response = search(q="Moodle", ou="Ouessant")
    page = response.content.decode()
    assert total(response) == 0
    assert "Aucun prestataire ne correspond" in page
    labels = [label for label, _ in response.context["widen_links"]]
    assert labels[:3] == [
        "Élargir à Finistère (29)",
        "Élargir à Bretagne",
        "Élargir à toute la France",
    ]
    assert "Retirer « Recherche : Moodle »" in labels


def test_only_published_providers_are_listed(search):
    listed = set(names(search(par_page=100))) | set(names(search(par_page=100, page=2)))
    assert "Essonne Nuage en Projet" not in listed  # pending
    assert "Brouillon Libre Conseil" not in listed  # draft
    assert "Ancienne Société Libre" not in listed  # archived


def _queries(client, params):
    client.get(URL, params)  # warm the reference-data caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "nextcloud"},
        {"q": "formation", "ou": "Essonne"},
        {"q": "dolibarr", "ou": "Évry", "logiciel": "dolibarr", "service": "formation"},
    ],
)
def test_results_page_query_count_is_constant(client, demo_data, params, uncached_pages):
    few = _queries(client, {**params, "par_page": "20"})
    many = _queries(client, {**params, "par_page": "100"})
    assert few == many <= 10


def test_query_count_does_not_grow_with_offerings(client, demo_data, uncached_pages):
    before = _queries(client, {"ou": "Paris"})
    provider = Provider.objects.published().get(name="Bureautique Ouverte Paris")
    for index in range(12):
        OfferingFactory(
            provider=provider,
            software=SoftwareFactory(name=f"Extra {index}"),
            kinds=["installation", "formation", "support"],
        )
    assert _queries(client, {"ou": "Paris"}) == before


def test_page_size_is_kept_when_paging_sorting_and_filtering(search):
    response = search(par_page="50")
    assert len(names(response)) == 50
    page = response.content.decode()
    assert "par_page=50&amp;page=2" in page
    assert '<input type="hidden" name="par_page" value="50">' in page
    facet_links = [row["query"] for facet in response.context["facets"] for row in facet["rows"]]
    assert all("par_page=50" in query for query in facet_links)


def test_a_bare_number_is_a_departement_not_a_region(search):
    assert str(search(ou="84").context["place"].territory) == "Vaucluse (84)"
    assert str(search(ou="11").context["place"].territory) == "Aude (11)"


@pytest.mark.parametrize(
    "label",
    [
        "Corrèze (19)",
        "Paris (75)",
        "Saint-André (81)",
        "Villé (67)",
        "Gazost (65)",
        "CC des Quatre Rivières (247400666)",
    ],
)
def test_every_displayed_place_label_leads_back_to_its_place(search, label):
    from territories.models import Territory

    expected = Territory.objects.current().get(label=label)
    assert search(ou=label).context["place"].territory == expected


def test_choice_links_resolve_to_the_chosen_place(search):
    response = search(ou="Saint-Denis")
    for choice in response.context["place_choices"]:
        followed = search(**QueryDict(choice["query"]).dict())
        assert followed.context["place"].territory == choice["territory"]


def test_a_shortened_word_matches_only_its_own_stem(search):
    # "sites" is stemmed to "sit": it must not find "situé", "situation"…
    provider = ProviderFactory(name="Autre", description="Entreprise située à Brest.")
    assert provider.name not in names(search(q="sites", par_page=100))
    assert provider.name in names(search(q="situ", par_page=100))  # an unfinished word


def facet_counts(search, **params):
    facets = search(**params).context["facets"]
    return {
        facet["name"]: {row["value"]: row["count"] for row in facet["rows"]} for facet in facets
    }


def test_each_facet_counts_what_filtering_by_it_lists(search):
    """The facets are counted from narrow SearchFacet rows; each count must be the number
    of results the same filter gives."""
    counts = facet_counts(search, ou="Île-de-France")
    for name in ("logiciel", "service", "label", "region", "effectif"):
        assert counts[name], name
        for value, count in counts[name].items():
            assert total(search(ou="Île-de-France", **{name: value})) == count, (name, value)


def test_facet_counts_follow_offerings_services_and_labels(search):
    from providers.models import Label

    provider = ProviderFactory(name="Coop Facettes", seat=commune("75056"))
    before = facet_counts(search)
    offering = OfferingFactory(
        provider=provider, software=SoftwareFactory(name="Logiciel Facette"), kinds=["formation"]
    )
    label = Label.objects.order_by("pk").first()
    provider.labels.add(label)
    after = facet_counts(search)
    assert after["logiciel"]["logiciel-facette"] == 1
    assert after["service"]["formation"] == before["service"]["formation"] + 1
    assert after["label"][label.slug] == before["label"].get(label.slug, 0) + 1
    offering.service_kinds.set([])
    provider.labels.remove(label)
    offering.delete()
    assert facet_counts(search) == before
