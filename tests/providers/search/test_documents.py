"""The providers' stored search documents follow what they are computed from: names of
software, service kinds and labels, offerings, and nothing else (a catalogue edit that
touches no name costs nothing, however many providers offer the program)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offerings.models import ServiceKind
from tests.factories import LabelFactory, OfferingFactory, ProviderFactory, SoftwareFactory

pytestmark = pytest.mark.django_db
URL = "/prestataires/"


def found(client, text):
    return [p.name for p in client.get(URL, {"q": text}).context["page"].object_list]


@pytest.fixture
def listing():
    provider = ProviderFactory(name="Intégrateur Libre")
    OfferingFactory(provider=provider, software=SoftwareFactory(name="Nuagier"))
    provider.labels.add(LabelFactory(name="Qualiopi"))
    return provider


def test_a_renamed_software_is_found_under_its_new_name_only(client, listing):
    software = listing.offerings.get().software
    software.name = "Nuagerie"
    software.save()
    assert found(client, "nuagerie") == ["Intégrateur Libre"]
    assert found(client, "nuagier") == []


def test_a_renamed_service_kind_or_label_is_found_under_its_new_name(client, listing):
    kind = ServiceKind.objects.get(slug="installation")
    kind.name = "Déploiement"
    kind.save()
    assert found(client, "déploiement") == ["Intégrateur Libre"]
    label = listing.labels.get()
    label.name = "Certifié Formation"
    label.save()
    assert found(client, "certifié") == ["Intégrateur Libre"]


def test_editing_a_software_without_renaming_it_leaves_the_providers_untouched(listing):
    software = listing.offerings.get().software
    software.description = "Une autre description."
    software.category = "infrastructure"
    with CaptureQueriesContext(connection) as queries:
        software.save()
    assert not [q for q in queries if "providers_provider" in q["sql"]]  # not even read


def test_a_new_offering_makes_the_provider_found_by_its_software(client, listing):
    OfferingFactory(provider=listing, software=SoftwareFactory(name="Tableurix"))
    assert found(client, "tableurix") == ["Intégrateur Libre"]


def test_a_rename_writes_exactly_what_a_full_refresh_would(listing):
    """Renames take a shortcut (the descriptions' tokens are kept): it must land on the
    very documents a full recomputation gives, whatever the order of names."""
    from providers.models import Provider
    from providers.search.documents import SEARCH_FIELDS
    from providers.search.indexer import refresh_search_documents

    OfferingFactory(
        provider=listing, software=SoftwareFactory(name="Agenda Zeta"), kinds=["formation"]
    )
    OfferingFactory(
        provider=listing,
        software=SoftwareFactory(name="Bureau Libre"),  # « libre » is in the provider's name
        kinds=["support", "installation", "hebergement"],
    )
    listing.labels.add(LabelFactory(name="Atelier Partenaire"))
    software = listing.offerings.get(software__name="Nuagier").software
    software.name = "Cumulus Nuage"
    software.save()
    kind = ServiceKind.objects.get(slug="support")
    kind.name = "Assistance et maintenance"
    kind.save()
    label = listing.labels.get(name="Qualiopi")
    label.name = "Qualiopi Formation"
    label.save()

    def stored():
        return Provider.objects.filter(pk=listing.pk).values_list(*SEARCH_FIELDS).get()

    after_renames = stored()
    assert "cumulus" in after_renames[0] and "assist" in after_renames[1]
    assert refresh_search_documents([listing.pk]) == 0  # nothing left to change
    assert stored() == after_renames
