"""Model rules for providers: SIREN, publication visibility, who serves which territory."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from offerings.models import Offering
from providers.models import Locality, Provider, Status
from providers.validators import luhn_is_valid, validate_siren
from territories.models import Level, Territory
from tests.factories import OfferingFactory, ProviderFactory, commune, departement, region

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("siren", ["552100554", "732 829 320", "356000000", "443.061.841"])
def test_real_sirens_pass_the_luhn_check(siren):
    validate_siren(siren)


@pytest.mark.parametrize(
    ("siren", "message"),
    [
        ("552100555", "clé de contrôle"),
        ("12345678", "exactement 9 chiffres"),
        ("1234567890", "exactement 9 chiffres"),
        ("55210055A", "exactement 9 chiffres"),
        # Full-width digits look like a SIREN but are not ASCII digits.
        ("\uff15\uff15\uff12\uff11\uff10\uff10\uff15\uff15\uff14", "exactement 9 chiffres"),
    ],
)
def test_wrong_sirens_are_refused_with_a_clear_message(siren, message):
    with pytest.raises(ValidationError, match=message):
        validate_siren(siren)


def test_luhn_helper():
    assert luhn_is_valid("79927398713")
    assert not luhn_is_valid("79927398710")


def test_siren_is_stored_without_spaces_and_unique_when_given():
    provider = ProviderFactory(siren="552 100 554")
    provider.refresh_from_db()
    assert provider.siren == "552100554"
    duplicate = ProviderFactory.build(siren="552100554", seat=commune("75056"))
    with pytest.raises(ValidationError, match="existe déjà"):
        duplicate.full_clean()
    with transaction.atomic(), pytest.raises(IntegrityError):
        duplicate.save()


def test_several_providers_may_have_no_siren():
    ProviderFactory(siren="")
    ProviderFactory(siren="")
    assert Provider.objects.filter(siren="").count() == 2


def test_only_published_providers_are_public():
    published = ProviderFactory(status=Status.PUBLISHED)
    for status in (Status.DRAFT, Status.PENDING, Status.ARCHIVED):
        ProviderFactory(status=status)
    assert list(Provider.objects.published()) == [published]
    assert published.is_public


def test_offerings_of_unpublished_providers_are_not_public():
    visible = OfferingFactory(provider__status=Status.PUBLISHED)
    OfferingFactory(provider__status=Status.PENDING)
    assert list(Offering.objects.public()) == [visible]


def test_publishing_stamps_publication_and_verification_dates():
    provider = ProviderFactory(status=Status.PENDING)
    assert provider.published_at is None
    Provider.objects.filter(pk=provider.pk).publish()
    provider.refresh_from_db()
    assert provider.status == Status.PUBLISHED
    assert provider.published_at is not None
    assert provider.last_verified_at is not None
    first_publication = provider.published_at
    Provider.objects.filter(pk=provider.pk).archive()
    Provider.objects.filter(pk=provider.pk).publish()
    provider.refresh_from_db()
    assert provider.published_at == first_publication


def test_slugs_are_unique_and_readable():
    first = ProviderFactory(name="Libre & Local")
    second = ProviderFactory(name="Libre & Local", seat=commune("69123"))
    third = ProviderFactory(name="Libre & Local", seat=commune("69123"))
    assert first.slug == "libre-local"
    assert second.slug == "libre-local-lyon"
    assert third.slug == "libre-local-2"


def test_provider_serving_a_departement_serves_its_communes_not_its_neighbours():
    essonne_only = ProviderFactory(seat=commune("69123"), service_areas=[departement("91")])
    evry = commune("91228")
    assert essonne_only in Provider.objects.serving(evry)
    assert essonne_only in Provider.objects.serving(evry.epci)
    assert essonne_only in Provider.objects.serving(departement("91"))
    assert essonne_only not in Provider.objects.serving(commune("75056"))
    # Serving one département of a région is not serving the whole région.
    assert essonne_only not in Provider.objects.serving(region("11"))


def test_who_serves_evry():
    evry = commune("91228")
    lyon = commune("69123")
    by_commune = ProviderFactory(name="Commune", seat=lyon, service_areas=[evry])
    by_epci = ProviderFactory(name="EPCI", seat=lyon, service_areas=[evry.epci])
    by_region = ProviderFactory(name="Région", seat=lyon, service_areas=[region("11")])
    national = ProviderFactory(name="National", seat=lyon, serves_whole_country=True)
    seated_here = ProviderFactory(name="Siège à Évry", seat=evry, service_areas=[])
    elsewhere = ProviderFactory(
        name="Ailleurs", seat=lyon, service_areas=[region("84"), commune("75056")]
    )
    several = ProviderFactory(name="Plusieurs", seat=evry, service_areas=[evry, departement("91")])
    serving = Provider.objects.serving(evry)
    assert set(serving) == {by_commune, by_epci, by_region, national, seated_here, several}
    assert elsewhere not in serving
    assert serving.count() == 6  # no duplicate row for a provider matching several ways


def test_a_provider_serves_the_territories_containing_its_seat():
    seated_in_evry = ProviderFactory(seat=commune("91228"), service_areas=[])
    assert seated_in_evry in Provider.objects.serving(departement("91"))
    assert seated_in_evry in Provider.objects.serving(region("11"))
    assert seated_in_evry not in Provider.objects.serving(departement("77"))


def test_locality_ranks_the_seat_then_the_epci_then_the_departement():
    evry = commune("91228")
    here = ProviderFactory(name="Ici", seat=evry)
    essonne = [departement("91")]
    same_epci = ProviderFactory(  # Corbeil-Essonnes
        name="Même agglo", seat=commune("91174"), service_areas=essonne
    )
    same_departement = ProviderFactory(  # Massy
        name="Même département", seat=commune("91377"), service_areas=essonne
    )
    far = ProviderFactory(name="Loin", seat=commune("69123"), serves_whole_country=True)
    ranked = Provider.objects.serving(evry).with_locality(evry).order_by("-locality", "name")
    assert [(p.name, p.locality) for p in ranked] == [
        ("Ici", Locality.SEAT),
        ("Même agglo", Locality.EPCI),
        ("Même département", Locality.DEPARTEMENT),
        ("Loin", Locality.ELSEWHERE),
    ]
    assert {here, same_epci, same_departement, far} == set(ranked)


def test_for_a_departement_a_provider_of_the_same_region_is_said_to_be_in_the_region(client):
    """Searching the Essonne, a Paris company serving all Île-de-France is « dans la
    région », not « dans le département »; one seated in the Essonne is « sur place »."""
    ProviderFactory(name="Parisienne", seat=commune("75056"), service_areas=[region("11")])
    ProviderFactory(name="Essonnienne", seat=commune("91228"))
    essonne = departement("91")
    ranked = Provider.objects.serving(essonne).with_locality(essonne).order_by("-locality")
    assert [(p.name, p.locality) for p in ranked] == [
        ("Essonnienne", Locality.SEAT),
        ("Parisienne", Locality.REGION),
    ]
    page = client.get("/prestataires/", {"ou": "Essonne"}).content.decode()
    assert '<span class="badge badge-near">Dans la région</span>' in page
    assert '<span class="badge badge-local">Installé sur place</span>' in page
    assert "Dans le département" not in page


def test_an_epci_across_departements_is_served_by_providers_of_each(territory):
    grand_paris_sud = territory(Level.EPCI, "200059228")
    seine_et_marne = ProviderFactory(service_areas=[departement("77")])
    assert seine_et_marne in Provider.objects.serving(grand_paris_sud)


def test_located_in_follows_the_seat():
    evry_based = ProviderFactory(seat=commune("91228"))
    paris_based = ProviderFactory(seat=commune("75056"))
    assert list(Provider.objects.located_in(departement("91"))) == [evry_based]
    assert set(Provider.objects.located_in(region("11"))) == {evry_based, paris_based}
    assert list(Provider.objects.located_in(commune("75056"))) == [paris_based]
    epci = Territory.objects.get(level=Level.EPCI, code="200059228")
    assert list(Provider.objects.located_in(epci)) == [evry_based]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", "appelez-moi", "Numéro de téléphone invalide"),
        ("year_founded", 1492, "entre 1800"),
        ("website", "pas une url", "URL valide"),
    ],
)
def test_contact_and_company_fields_are_validated(field, value, message):
    provider = ProviderFactory.build(seat=commune("91228"), **{field: value})
    with pytest.raises(ValidationError, match=message):
        provider.full_clean()
