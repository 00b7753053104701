"""Public pages kept rendered for anonymous visitors: served again without touching the
database, keyed on what the page reads, forgotten when a listing changes, never for a
signed-in moderator, and with HTTP caching headers."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from providers.models import Status
from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    provider = ProviderFactory(name="Coop Factures", seat=commune("69123"))
    OfferingFactory(provider=provider, software=SoftwareFactory(name="Dolibarr"))
    return provider


def test_a_second_visitor_gets_the_search_page_without_a_database_query(
    client, listing, django_assert_num_queries
):
    first = client.get("/prestataires/", {"q": "dolibarr"})
    assert "Coop Factures" in first.content.decode()
    assert first["Cache-Control"] == "public, max-age=60"
    with django_assert_num_queries(0):
        again = Client().get("/prestataires/", {"q": "dolibarr"})
    assert again.content == first.content


def test_unknown_parameters_and_their_order_share_one_entry(
    client, listing, django_assert_num_queries
):
    client.get("/prestataires/?q=dolibarr&ou=Lyon")
    with django_assert_num_queries(0):
        for number in range(30):  # cache busters reach the same entry
            response = client.get(f"/prestataires/?ou=Lyon&nc={number}&q=dolibarr")
            assert response.status_code == 200


def test_repeated_or_padded_values_are_pages_of_their_own(client, listing):
    """A view may read the last of repeated values, or not strip them: the page of
    `?logiciel=moodle&logiciel=` (all programs) must never be served for `?logiciel=moodle`."""
    SoftwareFactory(name="Moodle")
    OfferingFactory(provider=listing, software=SoftwareFactory(name="Moodle"))
    all_programs = client.get("/couverture/?logiciel=moodle&logiciel=")
    assert "Couverture du territoire : Moodle" not in all_programs.content.decode()
    moodle = client.get("/couverture/?logiciel=moodle")
    assert "Couverture du territoire : Moodle" in moodle.content.decode()
    region = "/territoires/ile-de-france/"
    assert (
        "Carte : Moodle" not in client.get(f"{region}?logiciel=moodle&logiciel=zz").content.decode()
    )
    assert "Carte : Moodle" in client.get(f"{region}?logiciel=moodle").content.decode()
    assert "Carte : Moodle" in client.get(f"{region}?logiciel=+moodle+").content.decode()


def test_each_understood_parameter_is_its_own_page(client, listing):
    assert "Coop Factures" in client.get("/prestataires/", {"q": "dolibarr"}).content.decode()
    assert "Coop Factures" not in client.get("/prestataires/", {"q": "moodle"}).content.decode()


def test_a_change_to_a_listing_is_seen_at_once(client, listing, django_capture_on_commit_callbacks):
    assert "Coop Factures" in client.get(listing.get_absolute_url()).content.decode()
    assert "Coop Factures" in client.get("/prestataires/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        listing.name = "Coop Devis"
        listing.save()
    assert "Coop Devis" in client.get(listing.get_absolute_url()).content.decode()
    assert "Coop Devis" in client.get("/prestataires/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        listing.status = Status.ARCHIVED
        listing.save()
    assert client.get(listing.get_absolute_url()).status_code == 404
    assert "Coop Devis" not in client.get("/prestataires/").content.decode()


def test_an_offering_added_shows_on_the_software_page(client, listing):
    nextcloud = SoftwareFactory(name="Nextcloud")
    url = nextcloud.get_absolute_url()
    assert "Coop Factures" not in client.get(url).content.decode()
    listing.offerings.create(software=nextcloud)
    assert "Coop Factures" in client.get(url).content.decode()


def test_signed_in_moderators_never_get_or_fill_the_cache(moderator_client, client, listing):
    signed_in = moderator_client.get("/prestataires/")
    assert "Cache-Control" not in signed_in or "public" not in signed_in["Cache-Control"]
    with CaptureQueriesContext(connection) as queries:
        client.get("/prestataires/")
    assert len(queries) > 0  # the moderator's visit stored nothing


def test_a_pending_message_bypasses_the_cache(client, listing):
    client.get("/prestataires/")
    client.cookies["messages"] = "anything"
    response = client.get("/prestataires/")
    assert response.status_code == 200
    assert "public" not in response.get("Cache-Control", "")


def test_an_unchanged_page_answers_304_to_a_browser_that_has_it(client, listing):
    first = client.get("/prestataires/")
    assert first["ETag"]
    again = client.get("/prestataires/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_the_cache_can_be_turned_off(client, listing, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/prestataires/")
    with CaptureQueriesContext(connection) as queries:
        client.get("/prestataires/")
    assert len(queries) > 0


def test_sitemaps_ignore_unknown_parameters(client, listing, django_assert_num_queries):
    client.get("/sitemap-prestataires.xml")
    with django_assert_num_queries(0):
        for number in range(20):
            assert client.get(f"/sitemap-prestataires.xml?nc={number}").status_code == 200


def test_counts_kept_for_every_visitor_follow_the_listings(
    moderator_client, listing, django_capture_on_commit_callbacks
):
    """A signed-in moderator gets pages rendered afresh, but the counts over the listings
    come from the cache: they must change as soon as a listing does."""
    territory = "/territoires/auvergne-rhone-alpes/rhone/lyon-69123/"
    assert "Coop Factures" in moderator_client.get(territory).content.decode()
    before = moderator_client.get("/").context["provider_count"]
    search = moderator_client.get("/prestataires/", {"q": "dolibarr"})
    assert search.context["page"].paginator.count == 1
    with django_capture_on_commit_callbacks(execute=True):
        ProviderFactory(name="Coop Devis", seat=commune("69123"))
        OfferingFactory(
            provider=ProviderFactory(name="Coop Stocks", seat=commune("69123")),
            software=listing.offerings.get().software,
        )
    assert moderator_client.get("/").context["provider_count"] == before + 2
    search = moderator_client.get("/prestataires/", {"q": "dolibarr", "page": "1"})
    assert search.context["page"].paginator.count == 2
    assert moderator_client.get(territory).context["serving_count"] >= 3
