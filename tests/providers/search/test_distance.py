"""A shop owner in a commune: who is closest, how far, and who covers the place anyway.

Runs on PostgreSQL and SQLite alike (.ci/run): the same providers, the same order, the same
distances on both, which is what shows the one haversine expression answers alike.
"""

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError

from core.geo import distance_label, haversine_km
from providers.models import Provider
from tests.factories import ProviderFactory, commune, departement, region

pytestmark = pytest.mark.django_db
URL = "/prestataires/"


def names(response):
    return [provider.name for provider in response.context["page"].object_list]


def km(code_from, code_to):
    a, b = commune(code_from), commune(code_to)
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


@pytest.fixture
def around_evry():
    """Providers around Évry-Courcouronnes (91228): one seated there, one in Corbeil-
    Essonnes next door (≈ 4 km) serving only its own commune, one in Massy (≈ 17 km)
    serving nobody but Massy, one in Étampes (≈ 30 km), one in Paris serving Île-de-France,
    one in Lyon covering the Essonne, one in Marseille serving only Marseille."""
    return {
        "sur place": ProviderFactory(name="Évry Libre", seat=commune("91228")),
        "voisin": ProviderFactory(name="Corbeil Logiciels", seat=commune("91174")),
        "massy": ProviderFactory(name="Massy Code", seat=commune("91377")),
        "etampes": ProviderFactory(name="Étampes Numérique", seat=commune("91223")),
        "paris": ProviderFactory(
            name="Paris Intégration", seat=commune("75056"), service_areas=[region("11")]
        ),
        "lyon": ProviderFactory(
            name="Lyon Infogérance", seat=commune("69123"), service_areas=[departement("91")]
        ),
        "marseille": ProviderFactory(name="Marseille Web", seat=commune("13055")),
    }


def test_the_import_gives_every_commune_but_four_a_point_on_the_map():
    from territories.models import Territory

    communes = Territory.objects.communes()
    assert communes.filter(latitude__isnull=True).count() == 4
    evry = commune("91228")
    assert (round(evry.latitude, 2), round(evry.longitude, 2)) == (48.62, 2.43)
    # Overseas communes are where they are, not in the metropolitan square.
    saint_denis = commune("97411")
    assert -21.5 < saint_denis.latitude < -20.8 and 55.2 < saint_denis.longitude < 55.9


def test_an_import_reports_communes_without_a_point_and_a_second_one_changes_nothing(tmp_path):
    out = io.StringIO()
    call_command("import_territories", stdout=out)
    assert "Aucun changement" in out.getvalue()
    assert "Communes sans point (pas de distance depuis ou vers elles) : 4" in out.getvalue()


def test_haversine_matches_known_distances():
    # Paris to Lyon town halls: about 392 km as the crow flies.
    assert 385 < km("75056", "69123") < 400
    assert km("91228", "91228") == 0
    assert distance_label(0.4) == "à moins de 1 km"
    assert distance_label(7.4) == "à 7 km"
    assert distance_label(135.7) == "à 140 km"
    assert distance_label(1249.6) == "à 1\u202f250 km"
    assert distance_label(3.2, same_place=True) == "sur place"


def test_from_a_commune_the_nearest_come_first_with_their_distance(client, around_evry):
    response = client.get(URL, {"ou": "Évry-Courcouronnes"})
    assert response.context["filterset"].sort == "distance"
    # Corbeil, Massy and Étampes do not serve Évry: without a radius they are not listed.
    assert names(response) == ["Évry Libre", "Paris Intégration", "Lyon Infogérance"]
    page = response.content.decode()
    assert "Installé sur place" in page
    assert f"à {round(km('91228', '75056'))} km" in page
    assert "à 370 km" in page  # Lyon (366 km), to the nearest ten past 100 km
    assert "Sa zone d'intervention couvre Évry-Courcouronnes" in page
    assert '<option value="distance" selected>Distance</option>' in page


def test_a_postal_code_measures_from_its_commune(client, around_evry):
    response = client.get(URL, {"ou": "91000"})
    assert response.context["filterset"].origin == commune("91228")
    assert names(response)[0] == "Évry Libre"


def test_a_radius_adds_the_providers_seated_within_it_and_keeps_those_covering(client, around_evry):
    within_20 = names(client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "20"}))
    assert within_20 == [
        "Évry Libre",
        "Corbeil Logiciels",
        "Massy Code",
        "Paris Intégration",
        "Lyon Infogérance",
    ]
    assert km("91228", "91223") > 20  # Étampes: only with a wider radius
    within_50 = names(client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "50"}))
    assert "Étampes Numérique" in within_50
    assert "Marseille Web" not in within_50
    within_10 = names(client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "10"}))
    assert "Corbeil Logiciels" in within_10 and "Massy Code" not in within_10


def test_each_result_says_why_it_is_listed(client, around_evry):
    response = client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "10"})
    cards = {provider.name: provider for provider in response.context["page"].object_list}
    assert cards["Corbeil Logiciels"].covers_place is False  # listed for being near
    assert cards["Lyon Infogérance"].covers_place is True  # listed for its service areas
    page = response.content.decode()
    assert "Et installés à moins de 10 km" in page  # the chip
    assert "Sa zone d'intervention couvre Évry-Courcouronnes" in page


def test_a_provider_whose_position_is_unknown_has_no_distance_on_both_databases(
    client, around_evry
):
    """Celles (15) has no point: its provider is listed (it covers Évry) last, with no
    distance; PostgreSQL's LEAST() once turned that NULL into 20,015 km."""
    ProviderFactory(
        name="Cantal Lointain", seat=commune("15031"), service_areas=[departement("91")]
    )
    response = client.get(URL, {"ou": "Évry-Courcouronnes"})
    assert names(response)[-1] == "Cantal Lointain"
    card = response.context["page"].object_list[-1]
    assert card.distance_km is None and card.distance_text == ""
    assert "20\u202f0" not in response.content.decode()
    rows = client.get("/api/v1/prestataires/", {"ou": "91228"}).json()["resultats"]
    far = next(row for row in rows if row["nom"] == "Cantal Lointain")
    assert far["distance_km"] is None and far["position"] is None


def test_a_radius_with_only_the_providers_seated_there_is_explained(client, around_evry):
    response = client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "20", "local": "on"})
    assert names(response) == ["Évry Libre"]
    notices = [str(notice) for notice in response.context["notices"]]
    assert "Le rayon ne s'applique pas aux seuls prestataires installés sur place." in notices


def test_a_precise_position_set_by_a_moderator_wins_over_the_seat(client, around_evry):
    lyon = around_evry["lyon"]
    lyon.latitude, lyon.longitude = 48.626, 2.433  # an agency in Évry, 300 m away
    lyon.save()
    response = client.get(URL, {"ou": "Évry-Courcouronnes"})
    assert names(response)[:2] == ["Évry Libre", "Lyon Infogérance"]
    assert "à moins de 1 km" in response.content.decode()


def test_half_a_position_or_one_far_from_the_seat_is_refused():
    provider = ProviderFactory.build(seat=commune("91228"), latitude=48.6)
    with pytest.raises(ValidationError, match="latitude et la longitude"):
        provider.clean()
    swapped = ProviderFactory.build(seat=commune("91228"), latitude=2.43, longitude=48.62)
    with pytest.raises(ValidationError, match="inversées"):
        swapped.clean()
    with pytest.raises(IntegrityError):  # even past the forms: the database refuses it
        ProviderFactory(seat=commune("91228"), longitude=2.4)


def test_other_sorts_stay_offered_and_distance_is_only_offered_from_a_commune(client, around_evry):
    by_name = names(client.get(URL, {"ou": "Évry-Courcouronnes", "tri": "nom"}))
    assert by_name == sorted(by_name)
    response = client.get(URL, {"ou": "Essonne"})
    assert response.context["filterset"].sort == "pertinence"
    assert "Distance" not in response.context["sorts"].values()
    assert 'name="rayon"' not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"ou": "Évry-Courcouronnes", "rayon": "7"}, "Rayon inconnu ignoré"),
        ({"ou": "Évry-Courcouronnes", "rayon": "1e9"}, "Rayon inconnu ignoré"),
        ({"ou": "Essonne", "rayon": "20"}, "La distance se mesure depuis une commune"),
        ({"tri": "distance"}, "La distance se mesure depuis une commune"),
        ({"ou": "Celles (15)", "rayon": "20"}, "Position de Celles (15) inconnue"),
    ],
)
def test_a_radius_or_sort_that_cannot_apply_is_explained_not_an_error(
    client, around_evry, params, notice
):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert notice in response.content.decode()
    api = client.get("/api/v1/prestataires/", params)
    assert api.status_code == 400
    assert notice in " ".join(api.json()["details"])


def test_the_api_gives_distance_and_reason_from_a_commune(client, around_evry):
    data = client.get("/api/v1/prestataires/", {"ou": "91228", "rayon": "20"}).json()
    rows = {row["nom"]: row for row in data["resultats"]}
    assert rows["Évry Libre"]["distance_km"] == 0
    assert rows["Corbeil Logiciels"]["distance_km"] == round(km("91228", "91174"), 1)
    assert rows["Corbeil Logiciels"]["couvre_le_lieu"] is False
    assert rows["Lyon Infogérance"]["couvre_le_lieu"] is True
    assert rows["Massy Code"]["position"] == {
        "latitude": commune("91377").latitude,
        "longitude": commune("91377").longitude,
        "precise": False,
    }
    without_place = client.get("/api/v1/prestataires/").json()["resultats"][0]
    assert "distance_km" not in without_place
    assert without_place["position"] is not None


def test_a_download_from_a_commune_carries_distance_km(client, around_evry):
    response = client.get(
        "/prestataires/telecharger.csv", {"ou": "Évry-Courcouronnes", "rayon": "20"}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [row["nom"] for row in rows][:3] == ["Évry Libre", "Corbeil Logiciels", "Massy Code"]
    # « ; » CSV for French spreadsheets: a decimal comma, so that it reads as a number.
    assert rows[1]["distance_km"] == str(round(km("91228", "91174"), 1)).replace(".", ",")
    plain = client.get("/prestataires/telecharger.csv", {"ou": "Essonne"})
    header = b"".join(plain.streaming_content).decode("utf-8-sig").splitlines()[0]
    assert "distance_km" not in header


def test_the_search_from_a_commune_stays_within_its_query_budget(
    client, around_evry, uncached_pages, django_assert_max_num_queries
):
    client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "20"})  # reference data cached
    with django_assert_max_num_queries(10):
        response = client.get(URL, {"ou": "Évry-Courcouronnes", "rayon": "20"})
    assert Provider.objects.count() == len(names(response)) + 2


def test_a_seat_changed_by_its_owner_drops_the_position_set_for_the_old_one():
    from providers.curation.snapshots import apply_data, snapshot

    provider = ProviderFactory(seat=commune("91228"), latitude=48.626, longitude=2.433)
    moved = snapshot(provider)
    moved["seat"] = commune("69123").pk  # the company moved to Lyon
    apply_data(provider, moved)
    provider.refresh_from_db()
    assert (provider.latitude, provider.longitude) == (None, None)
    assert provider.position == (commune("69123").latitude, commune("69123").longitude)
    same = snapshot(provider)
    provider.latitude, provider.longitude = 45.77, 4.84
    provider.save()
    apply_data(provider, same)  # another change, same seat: the position stays
    provider.refresh_from_db()
    assert provider.position == (45.77, 4.84)
