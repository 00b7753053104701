"""The Django admin as the curation tool: pages, actions, query budgets, and cluster scoping."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from providers.models import Provider, Status
from tests.factories import (
    ClusterFactory,
    LabelFactory,
    ModeratorFactory,
    OfferingFactory,
    ProviderFactory,
    SoftwareFactory,
    commune,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:index",
        "admin:providers_provider_changelist",
        "admin:providers_provider_add",
        "admin:providers_cluster_changelist",
        "admin:providers_label_changelist",
        "admin:offerings_software_changelist",
        "admin:offerings_software_add",
        "admin:offerings_servicekind_changelist",
        "admin:offerings_offering_changelist",
        "admin:territories_territory_changelist",
    ],
)
def test_every_admin_page_loads_for_a_superuser(admin_client, url_name):
    OfferingFactory()
    response = admin_client.get(reverse(url_name))
    assert response.status_code == 200


def test_provider_change_page_shows_offerings_inline(admin_client):
    offering = OfferingFactory(software=SoftwareFactory(name="Dolibarr"), kinds=["formation"])
    response = admin_client.get(
        reverse("admin:providers_provider_change", args=[offering.provider.pk])
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dolibarr" in page
    assert "Offres" in page
    # Communes and service areas use autocomplete widgets, never a 35,000-option select.
    assert 'data-field-name="seat"' in page
    assert 'data-field-name="service_areas"' in page
    assert page.count("<option") < 200


def test_provider_search_finds_the_seat_commune_without_accents(admin_client):
    ProviderFactory(name="Gestion Libre", seat=commune("91228"))
    ProviderFactory(name="Autre", seat=commune("69123"))
    response = admin_client.get(reverse("admin:providers_provider_changelist"), {"q": "evry"})
    assert [p.name for p in response.context["cl"].result_list] == ["Gestion Libre"]


def test_territory_filters_and_search_work(admin_client):
    url = reverse("admin:territories_territory_changelist")
    response = admin_client.get(url, {"q": "91000"})
    assert "Évry-Courcouronnes" in response.content.decode()
    response = admin_client.get(url, {"level": "departement", "region": region("11").pk})
    assert response.context["cl"].result_count == 8


def test_commune_autocomplete_finds_evry_by_name_without_accent(admin_client):
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "providers",
            "model_name": "provider",
            "field_name": "seat",
            "term": "evry",
        },
    )
    assert response.status_code == 200
    names = [item["text"] for item in response.json()["results"]]
    assert names[0] == "Évry-Courcouronnes (91)"
    assert "Essonne (91)" not in names  # the seat is a commune


def test_creating_a_provider_with_offerings_through_the_admin(admin_client):
    dolibarr = SoftwareFactory(name="Dolibarr")
    response = admin_client.post(
        reverse("admin:providers_provider_add"),
        {
            "name": "Essonne Gestion",
            "slug": "essonne-gestion",
            "siren": "552 100 554",
            "seat": commune("91228").pk,
            "service_areas": [commune("91228").departement_id],
            "status": Status.PUBLISHED,
            "accepts_new_clients": "on",
            "offerings-TOTAL_FORMS": "1",
            "offerings-INITIAL_FORMS": "0",
            "offerings-MIN_NUM_FORMS": "0",
            "offerings-MAX_NUM_FORMS": "1000",
            "offerings-0-software": dolibarr.pk,
            "offerings-0-service_kinds": ["1", "4"],
            "offerings-0-description": "Factures et devis",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    provider = Provider.objects.get(slug="essonne-gestion")
    assert provider.siren == "552100554"
    assert provider.published_at is not None
    offering = provider.offerings.get()
    assert offering.software == dolibarr
    assert offering.service_kinds.count() == 2


def test_admin_refuses_an_invalid_siren_with_the_reason(admin_client):
    response = admin_client.post(
        reverse("admin:providers_provider_add"),
        {
            "name": "Mauvais SIREN",
            "slug": "mauvais-siren",
            "siren": "123456789",
            "seat": commune("91228").pk,
            "status": Status.DRAFT,
            "offerings-TOTAL_FORMS": "0",
            "offerings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "clé de contrôle est fausse" in response.content.decode()
    assert not Provider.objects.filter(slug="mauvais-siren").exists()


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("48.6", "", "Indiquez la latitude et la longitude, ou aucune des deux."),
        ("91", "2.4", "inférieure ou égale à 90"),
        ("nan", "2.4", "Saisissez un nombre"),
    ],
)
def test_a_moderator_sets_a_precise_position_or_is_told_what_is_wrong(
    admin_client, latitude, longitude, message
):
    data = {
        "name": "Agence Évry",
        "slug": "agence-evry",
        "seat": commune("91228").pk,
        "status": Status.DRAFT,
        "offerings-TOTAL_FORMS": "0",
        "offerings-INITIAL_FORMS": "0",
    }
    page = admin_client.get(reverse("admin:providers_provider_add")).content.decode()
    assert "Une position précise" in page
    response = admin_client.post(
        reverse("admin:providers_provider_add"),
        {**data, "latitude": latitude, "longitude": longitude},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Provider.objects.filter(slug="agence-evry").exists()
    response = admin_client.post(
        reverse("admin:providers_provider_add"), {**data, "latitude": "48.63", "longitude": "2.44"}
    )
    assert response.status_code == 302
    assert Provider.objects.get(slug="agence-evry").position == (48.63, 2.44)


def test_bulk_publish_and_archive(admin_client):
    pending = ProviderFactory.create_batch(3, status=Status.PENDING)
    url = reverse("admin:providers_provider_changelist")
    response = admin_client.post(
        url, {"action": "publish", "_selected_action": [p.pk for p in pending]}, follow=True
    )
    assert "3 prestataires publiés." in response.content.decode()
    assert Provider.objects.published().count() == 3
    admin_client.post(url, {"action": "archive", "_selected_action": [pending[0].pk]})
    pending[0].refresh_from_db()
    assert pending[0].status == Status.ARCHIVED


def _changelist_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_provider_changelist_query_count_does_not_grow_with_providers(admin_client, idf_cluster):
    url = reverse("admin:providers_provider_changelist")
    ProviderFactory.create_batch(3, cluster=idf_cluster)
    few = _changelist_queries(admin_client, url)
    for index in range(60):
        ProviderFactory(
            cluster=idf_cluster, seat=commune(["75056", "69123", "13055", "91228"][index % 4])
        )
    many = _changelist_queries(admin_client, url)
    assert many == few
    assert many <= 14


def test_moderator_changelist_query_count_is_bounded(moderator_client, idf_cluster):
    url = reverse("admin:providers_provider_changelist")
    ProviderFactory.create_batch(3, cluster=idf_cluster)
    few = _changelist_queries(moderator_client, url)
    ProviderFactory.create_batch(40, cluster=idf_cluster)
    assert _changelist_queries(moderator_client, url) == few


def test_other_changelists_have_a_constant_query_count(admin_client):
    label = LabelFactory()
    ClusterFactory(regions=[region("11")])
    for _ in range(3):
        OfferingFactory(kinds=["installation", "formation"]).provider.labels.add(label)
    urls = [
        reverse("admin:offerings_offering_changelist"),
        reverse("admin:offerings_software_changelist"),
        reverse("admin:providers_cluster_changelist"),
    ]
    counts_few = [_changelist_queries(admin_client, url) for url in urls]
    for _ in range(30):
        OfferingFactory(kinds=["installation", "formation"])
    ClusterFactory.create_batch(5, regions=[region("11"), region("84")])
    assert [_changelist_queries(admin_client, url) for url in urls] == counts_few


# Cluster scoping: a moderator only sees and changes their clusters' providers.


def test_moderator_sees_only_their_clusters_providers(moderator_client, idf_cluster, aura_cluster):
    mine = ProviderFactory(name="Seated in Évry", seat=commune("91228"))
    assigned = ProviderFactory(name="Assigned to mine", seat=commune("69123"), cluster=idf_cluster)
    theirs = ProviderFactory(name="Lyon provider", seat=commune("69123"), cluster=aura_cluster)
    response = moderator_client.get(reverse("admin:providers_provider_changelist"))
    shown = set(response.context["cl"].result_list)
    assert shown == {mine, assigned}
    assert theirs not in shown


def test_moderator_cannot_open_change_or_delete_another_clusters_provider(
    moderator_client, aura_cluster
):
    theirs = ProviderFactory(seat=commune("69123"), cluster=aura_cluster)
    for view in ("change", "delete", "history"):
        response = moderator_client.get(
            reverse(f"admin:providers_provider_{view}", args=[theirs.pk])
        )
        assert response.status_code == 404, view
    response = moderator_client.post(
        reverse("admin:providers_provider_delete", args=[theirs.pk]), {"post": "yes"}
    )
    assert response.status_code == 404
    assert Provider.objects.filter(pk=theirs.pk).exists()


def test_moderator_bulk_action_ignores_another_clusters_ids(moderator_client, aura_cluster):
    mine = ProviderFactory(seat=commune("91228"), status=Status.PENDING)
    theirs = ProviderFactory(seat=commune("69123"), cluster=aura_cluster, status=Status.PENDING)
    moderator_client.post(
        reverse("admin:providers_provider_changelist"),
        {"action": "publish", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.status == Status.PUBLISHED
    assert theirs.status == Status.PENDING


def test_moderator_cannot_move_a_provider_out_of_their_clusters(
    moderator_client, idf_cluster, aura_cluster
):
    mine = ProviderFactory(seat=commune("91228"), cluster=idf_cluster, name="Mine")
    response = moderator_client.post(
        reverse("admin:providers_provider_change", args=[mine.pk]),
        {
            "name": "Mine",
            "slug": mine.slug,
            "seat": commune("69123").pk,
            "cluster": "",
            "status": Status.PUBLISHED,
            "offerings-TOTAL_FORMS": "0",
            "offerings-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "sortirait de votre périmètre" in response.content.decode()
    mine.refresh_from_db()
    assert mine.seat.code == "91228"


def test_moderator_cluster_choices_are_their_own(moderator_client, idf_cluster, aura_cluster):
    response = moderator_client.get(reverse("admin:providers_provider_add"))
    choices = list(response.context["adminform"].form.fields["cluster"].queryset)
    assert choices == [idf_cluster]


def test_moderator_offerings_are_scoped_too(moderator_client, aura_cluster):
    mine = OfferingFactory(provider__seat=commune("91228"))
    theirs = OfferingFactory(provider__seat=commune("69123"), provider__cluster=aura_cluster)
    response = moderator_client.get(reverse("admin:offerings_offering_changelist"))
    assert list(response.context["cl"].result_list) == [mine]
    response = moderator_client.get(reverse("admin:offerings_offering_change", args=[theirs.pk]))
    assert response.status_code == 404


def test_moderator_cannot_edit_territories_or_service_kinds(moderator_client):
    response = moderator_client.get(reverse("admin:territories_territory_changelist"))
    assert response.status_code == 200
    response = moderator_client.get(reverse("admin:offerings_servicekind_add"))
    assert response.status_code == 403


def test_staff_without_cluster_sees_no_provider(client):
    ProviderFactory()
    client.force_login(ModeratorFactory(clusters=[]))
    response = client.get(reverse("admin:providers_provider_changelist"))
    assert response.context["cl"].result_count == 0


def test_a_moderator_editing_a_provider_of_another_cluster_keeps_its_cluster(
    moderator_client, idf_cluster, aura_cluster
):
    # Seated in the moderator's région, but assigned to another cluster.
    provider = ProviderFactory(name="Partagée", seat=commune("91228"), cluster=aura_cluster)
    url = reverse("admin:providers_provider_change", args=[provider.pk])
    form = moderator_client.get(url).context["adminform"].form
    assert aura_cluster in form.fields["cluster"].queryset
    data = {
        "name": "Partagée",
        "slug": provider.slug,
        "seat": provider.seat_id,
        "cluster": aura_cluster.pk,
        "status": Status.PUBLISHED,
        "phone": "01 99 00 00 02",
        "accepts_new_clients": "on",
        "offerings-TOTAL_FORMS": "0",
        "offerings-INITIAL_FORMS": "0",
    }
    assert moderator_client.post(url, data).status_code == 302
    provider.refresh_from_db()
    assert provider.cluster == aura_cluster and provider.phone == "01 99 00 00 02"


def test_moderators_see_only_their_clusters(moderator_client, idf_cluster, aura_cluster):
    response = moderator_client.get(reverse("admin:providers_cluster_changelist"))
    assert list(response.context["cl"].result_list) == [idf_cluster]
    url = reverse("admin:providers_cluster_change", args=[aura_cluster.pk])
    assert moderator_client.get(url).status_code in (302, 404)


def test_only_superusers_change_shared_slugs(moderator_client):
    software = SoftwareFactory(name="Dolibarr")
    response = moderator_client.get(reverse("admin:offerings_software_change", args=[software.pk]))
    assert "slug" not in response.context["adminform"].form.fields
