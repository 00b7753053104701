"""A national-scale demo: thousands of fictional providers added to the demo set, for
measuring speed (`manage.py load_demo --scale 20000`).

They are built like the demo's (fictional, `.example` sites, flagged `is_demo`, removed by
`load_demo --remove`), seated in real communes of more than 2,000 inhabitants, each offering
one to three programs of the demo with one to three kinds of service, and serving their
département, their région, their intercommunalité or the whole country. The same seed gives
the same rows. Rows are written in bulk (no per-row signal) and their search documents are
computed once at the end.
"""

import random

from django.db import connection, transaction
from django.utils import timezone

from offerings.models import Offering, ServiceKind, Software
from providers.models import Cluster, Provider, Status, Workforce
from providers.search.indexer import refresh_search_documents
from territories.models import Territory

from .data import DEMO_NOTICE, PROFILES

SEED = 20_26
BATCH = 1000
PREFIX = "Prestataire fictif"
SLUG = "prestataire-fictif-"


def scale_demo(total, seed=SEED):
    """Add fictional providers until the demo holds `total` providers; returns how many
    were added (0 when it already holds as many)."""
    existing = Provider.objects.filter(is_demo=True).count()
    if existing >= total:
        return 0
    numbers = [
        int(slug.rsplit("-", 1)[1])
        for slug in Provider.objects.filter(slug__startswith=SLUG).values_list("slug", flat=True)
        if slug.rsplit("-", 1)[1].isdigit()
    ]
    first = max(numbers, default=0)  # after the last one, even if some were deleted
    rng = random.Random(seed + first)
    communes = list(
        Territory.objects.communes()
        .filter(population__gte=2000)
        .values_list("pk", "epci_id", "departement_id", "region_id", "name")
    )
    clusters = dict(Cluster.objects.filter(is_demo=True).values_list("regions", "pk"))
    profiles = list(PROFILES.values())
    programs = dict(Software.objects.values_list("name", "pk"))
    kinds = list(ServiceKind.objects.values_list("pk", flat=True))
    workforces = list(Workforce.values)
    now = timezone.now()
    added = 0
    with transaction.atomic():
        for start in range(first, first + total - existing, BATCH):
            rows = [
                _provider(index, rng, communes, clusters, profiles, workforces, now)
                for index in range(start, min(start + BATCH, first + total - existing))
            ]
            created = Provider.objects.bulk_create([row[0] for row in rows])
            _relations(created, rows, rng, programs, kinds)
            refresh_search_documents([provider.pk for provider in created])
            added += len(created)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # fresh statistics, or the planner guesses
            cursor.execute("ANALYZE")
    return added


def _provider(index, rng, communes, clusters, profiles, workforces, now):
    seat, epci, departement, region, seat_name = rng.choice(communes)
    offerings, description = rng.choice(profiles)
    name = f"{PREFIX} {index + 1} {seat_name}"
    domain = f"prestataire-fictif-{index + 1}.example"
    roll = rng.random()
    status = Status.PUBLISHED if roll < 0.95 else Status.PENDING if roll < 0.98 else Status.DRAFT
    area = rng.random()
    provider = Provider(
        name=name,
        slug=f"{SLUG}{index + 1}",
        description=f"{description.format(name=name)}\n\n{DEMO_NOTICE}",
        website=f"https://{domain}",
        email=f"contact@{domain}",
        show_email=rng.random() < 0.5,
        phone=f"01 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}",
        seat_id=seat,
        serves_whole_country=area >= 0.95,
        workforce=rng.choice(workforces),
        year_founded=rng.randrange(1990, 2026),
        accepts_new_clients=rng.random() < 0.85,
        cluster_id=clusters.get(region),
        status=status,
        published_at=now if status == Status.PUBLISHED else None,
        last_verified_at=now - timezone.timedelta(days=rng.randrange(500)),
        email_confirmed_at=now,
        is_demo=True,
    )
    areas = [departement] if area < 0.6 else [region] if area < 0.85 else [epci]
    return provider, [pk for pk in areas if pk], offerings


def _relations(created, rows, rng, programs, kinds):
    area_links, offerings = [], []
    through = Provider.service_areas.through
    for provider, (_row, areas, profile_offerings) in zip(created, rows, strict=True):
        area_links += [through(provider_id=provider.pk, territory_id=pk) for pk in areas]
        count = rng.randrange(1, len(profile_offerings) + 1)
        for software_name, _kinds in rng.sample(profile_offerings, count):
            offerings.append(Offering(provider=provider, software_id=programs[software_name]))
    through.objects.bulk_create(area_links)
    Offering.objects.bulk_create(offerings)
    kind_links = Offering.service_kinds.through
    kind_links.objects.bulk_create(
        [
            kind_links(offering_id=offering.pk, servicekind_id=kind)
            for offering in offerings
            for kind in rng.sample(kinds, rng.randrange(1, 4))
        ]
    )
