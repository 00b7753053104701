"""`manage.py generate_dataset`: the benchmark's synthetic directory, reproducible, shaped
like a national one, and removable without touching anything else."""

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from offerings.models import Offering
from providers.models import Provider, Status
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def generate(providers=300, **options):
    call_command("generate_dataset", providers=providers, stdout=(out := io.StringIO()), **options)
    return out.getvalue()


@pytest.fixture
def catalogue():
    call_command("load_demo", verbosity=0)


def fingerprint():
    return list(
        Provider.objects.filter(slug__startswith="synthetique-")
        .order_by("slug")
        .values_list("name", "seat_id", "status", "serves_whole_country", "offerings__software_id")
    )


def test_a_benchmark_dataset_is_shaped_like_a_national_directory(catalogue, client):
    assert "300 prestataires fictifs (graine 1)" in generate(300, seed=1)
    synthetic = Provider.objects.filter(slug__startswith="synthetique-")
    assert synthetic.count() == 300
    assert all(synthetic.values_list("is_demo", flat=True))

    statuses = Counter(synthetic.values_list("status", flat=True))
    assert 0.8 * 300 < statuses[Status.PUBLISHED] < 0.97 * 300
    assert statuses[Status.ARCHIVED] and statuses[Status.PENDING]

    per_provider = Counter(
        Offering.objects.filter(provider__in=synthetic).values_list("provider", flat=True)
    )
    assert len(per_provider) == 300 and set(per_provider.values()) <= set(range(1, 7))
    assert max(per_provider.values()) >= 5
    programs = Counter(
        Offering.objects.filter(provider__in=synthetic).values_list("software", flat=True)
    )
    assert len(programs) >= 40  # over the whole catalogue, not the demo's few programs
    assert programs.most_common(1)[0][1] >= 5 * programs.most_common()[-1][1]  # some are popular

    populations = list(synthetic.values_list("seat__population", flat=True))
    assert sum(population >= 20_000 for population in populations) >= 90  # towns, weighted
    assert sum(population < 1_000 for population in populations) >= 10  # and a rural tail

    assert synthetic.filter(serves_whole_country=True).exists()
    area_levels = set(synthetic.values_list("service_areas__level", flat=True))
    assert {"commune", "epci", "departement", "region"} <= area_levels
    labelled = synthetic.filter(labels__isnull=False).distinct()
    assert labelled.exists()
    for provider in labelled.prefetch_related("labels", "offerings"):
        offered = {offering.software_id for offering in provider.offerings.all()}
        for label in provider.labels.all():  # a partner label only with its program
            assert label.software_id is None or label.software_id in offered

    published = synthetic.filter(status=Status.PUBLISHED).order_by("pk").first()
    assert published.search_document and "Entreprise fictive" in published.description
    page = client.get("/prestataires/", {"q": published.name}).context["page"]
    assert published in page.object_list


def test_the_same_seed_gives_the_same_rows(catalogue):
    generate(120, seed=3)
    first = fingerprint()
    generate(120, seed=3)
    assert fingerprint() == first
    generate(120, seed=4)
    assert fingerprint() != first


def test_a_database_with_real_listings_is_refused_unless_forced(catalogue):
    real = ProviderFactory(name="Vraie Coop")
    with pytest.raises(CommandError, match="vraies fiches"):
        generate(50)
    assert not Provider.objects.filter(slug__startswith="synthetique-").exists()
    generate(50, force=True)
    assert Provider.objects.filter(slug__startswith="synthetique-").count() == 50
    assert Provider.objects.filter(pk=real.pk).exists()


def test_removing_the_dataset_leaves_demo_and_real_listings_and_no_history(catalogue):
    demo_count = Provider.objects.filter(is_demo=True).count()
    real = ProviderFactory(name="Vraie Coop")
    generate(80, force=True)
    call_command("generate_dataset", remove=True, stdout=(out := io.StringIO()))
    assert "80 fiches" in out.getvalue()
    assert Provider.objects.filter(is_demo=True).count() == demo_count
    assert Provider.objects.filter(pk=real.pk).exists()
    assert not Provider.history.filter(slug__startswith="synthetique-").exists()
    assert not Offering.objects.filter(provider__slug__startswith="synthetique-").exists()


def test_without_territories_or_catalogue_it_says_what_to_load_first():
    with pytest.raises(CommandError, match="load_catalogue"):
        generate(10)
