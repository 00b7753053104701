"""`manage.py load_demo`: a realistic, clearly fictional, idempotent demo set."""

import io

import pytest
from django.core.management import call_command

from offerings.models import Offering, Software
from providers.models import Cluster, Provider
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(demo_data):
    """The demo set, loaded once for this module's read-only tests."""


def test_demo_covers_many_regions_software_and_service_kinds(demo):
    published = Provider.objects.published().filter(is_demo=True)
    assert published.count() >= 60
    assert published.values("seat__region").distinct().count() >= 10
    assert Software.objects.count() >= 15
    for name in [
        "Dolibarr",
        "Nextcloud",
        "Jitsi Meet",
        "Collabora Online",
        "LibreOffice",
        "Moodle",
        "GLPI",
        "WordPress",
        "PeerTube",
        "Matomo",
        "BigBlueButton",
        "Mattermost",
        "Odoo Community",
        "Proxmox VE",
        "ONLYOFFICE Docs",
    ]:
        assert Offering.objects.public().filter(software__name=name).exists(), name
    kinds_used = set(
        Offering.objects.public().values_list("service_kinds__slug", flat=True).distinct()
    )
    assert len(kinds_used) == 7
    levels = set(published.values_list("service_areas__level", flat=True))
    assert {"epci", "departement", "region"} <= levels
    assert published.filter(serves_whole_country=True).exists()


def test_demo_providers_are_clearly_fictional(demo):
    for provider in Provider.objects.filter(is_demo=True):
        assert provider.siren == ""
        assert provider.website.endswith(".example")
        assert provider.email.endswith(".example")
        assert "Entreprise fictive" in provider.description
        provider.full_clean()
    assert Cluster.objects.filter(is_demo=True).count() == 8


def test_demo_includes_a_dolibarr_integrator_serving_evry(demo):
    from territories.models import Territory

    evry = Territory.objects.communes().get(code="91228")
    dolibarr_near_evry = (
        Provider.objects.published().serving(evry).filter(offerings__software__name="Dolibarr")
    )
    assert dolibarr_near_evry.filter(seat=evry).exists()


def test_demo_has_listings_in_every_status_for_moderators(demo):
    statuses = set(Provider.objects.filter(is_demo=True).values_list("status", flat=True))
    assert statuses == {"draft", "pending", "published", "archived"}


def test_load_demo_twice_changes_nothing():
    call_command("load_demo", stdout=io.StringIO())
    before = list(Provider.objects.order_by("pk").values_list("pk", "updated_at"))
    offerings = Offering.objects.count()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert "(0 créés, 0 mis à jour)" in out.getvalue()
    assert list(Provider.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert Offering.objects.count() == offerings


def test_remove_demo_keeps_real_listings():
    real = ProviderFactory(name="Une vraie entreprise")
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", remove=True, stdout=io.StringIO())
    assert list(Provider.objects.all()) == [real]
