"""A reproducible synthetic dataset at national scale, for the benchmark
(`manage.py generate_dataset --providers 20000 --seed 1`).

Written by hand because it must follow this directory's own shape, which no fake-data library
knows: seats drawn in the real communes weighted by population, with a long rural tail (one
seat in six is drawn among all communes, however small); one to six offerings over the whole
reference catalogue, popular programs more often (Zipf-like weights); one to three kinds of
service per offering; service areas from the seat's commune to the whole country; labels,
partner labels only on the program they are about; and one listing in ten archived, pending
or draft.

Every row is fictional like the demo's (`.example` sites, ARCEP's fiction phone range,
« Entreprise fictive » in the description, flagged `is_demo`), and its slug starts with
`synthetique-`, so `remove_dataset()` deletes exactly these rows and their history. The same
seed on the same territories and catalogue gives the same rows. Rows are bulk-written (no
per-row signal or history) and their search documents computed once per batch.
"""

import bisect
import itertools
import random
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from offerings.models import Offering, ServiceKind, Software
from providers.models import Cluster, Label, Provider, SearchFacet, Status, Workforce
from providers.search.indexer import refresh_search_documents
from territories.models import Territory

from .data import DEMO_NOTICE

SLUG = "synthetique-"
BATCH = 2000
RURAL_TAIL = 1 / 6  # share of seats drawn uniformly among all communes

NAME_HEADS = [
    "Atelier", "Coopérative", "Agence", "Studio", "Collectif", "Groupe", "Maison", "Bureau",
    "Société", "Cabinet", "Fabrique", "Comptoir",
]  # fmt: skip
NAME_TAILS = [
    "Libre", "Numérique", "Ouvert", "du Logiciel", "Réseaux", "Cloud", "Code", "Données",
    "Informatique", "Services", "Solutions", "Conseil",
]  # fmt: skip
STATUSES = [Status.PUBLISHED, Status.PENDING, Status.ARCHIVED, Status.DRAFT]
STATUS_WEIGHTS = [90, 4, 4, 2]
OFFERING_COUNTS = [1, 2, 3, 4, 5, 6]
OFFERING_COUNT_WEIGHTS = [22, 30, 22, 13, 8, 5]
# Where a provider serves, besides its seat: (kind, weight).
AREA_KINDS = [
    ("commune", 8),
    ("epci", 15),
    ("departement", 37),
    ("two_departements", 10),
    ("region", 20),
    ("country", 10),
]


class DatasetRefused(Exception):
    """The database is not one the generator may write to (the message says why)."""


@dataclass(frozen=True)
class Catalogue:
    """What the generator draws from, read once, in a stable order."""

    communes: list  # (pk, epci_id, departement_id, region_id, name)
    cumulative_population: list
    departements_by_region: dict
    clusters_by_region: dict
    programs: list  # (pk, name)
    program_weights: list
    kinds: list  # (pk, name)
    kind_weights: list
    labels: list  # (pk, software_id or None)

    @classmethod
    def read(cls):
        communes = list(
            Territory.objects.communes()
            .order_by("code")
            .values_list("pk", "epci_id", "departement_id", "region_id", "name", "population")
        )
        if not communes:
            raise DatasetRefused(
                "Aucun territoire chargé : lancez d'abord « python manage.py import_territories »."
            )
        programs = list(Software.objects.order_by("slug").values_list("pk", "name"))
        kinds = list(ServiceKind.objects.order_by("position", "slug").values_list("pk", "name"))
        if not programs or not kinds:
            raise DatasetRefused(
                "Catalogue vide : lancez d'abord « python manage.py load_catalogue »."
            )
        departements_by_region = {}
        for pk, region in (
            Territory.objects.departements().order_by("code").values_list("pk", "region_id")
        ):
            departements_by_region.setdefault(region, []).append(pk)
        clusters_by_region = {}
        for region, cluster in Cluster.objects.order_by("pk").values_list("regions", "pk"):
            clusters_by_region.setdefault(region, cluster)
        return cls(
            communes=[row[:5] for row in communes],
            cumulative_population=list(itertools.accumulate(row[5] or 0 for row in communes)),
            departements_by_region=departements_by_region,
            clusters_by_region=clusters_by_region,
            programs=programs,
            program_weights=[1 / (rank + 1) ** 0.9 for rank in range(len(programs))],
            kinds=kinds,
            kind_weights=[1 / (rank + 1) ** 0.5 for rank in range(len(kinds))],
            labels=list(Label.objects.order_by("slug").values_list("pk", "software_id")),
        )


def synthetic():
    """The providers this module wrote."""
    return Provider.objects.filter(is_demo=True, slug__startswith=SLUG)


def generate_dataset(total, seed=1, force=False):
    """Replace the synthetic providers by `total` new ones drawn with `seed`; returns the
    number written. Refuses a database holding real (non-demo) listings unless `force`."""
    if not force and Provider.objects.filter(is_demo=False).exists():
        raise DatasetRefused(
            "Cette base contient de vraies fiches : le jeu synthétique n'est fait que pour une "
            "base de mesure. Ajoutez --force pour l'écrire quand même."
        )
    catalogue = Catalogue.read()
    rng = random.Random(seed)
    # Popular programs differ from one seed to the next, not from one run to the next.
    programs = list(catalogue.programs)
    rng.shuffle(programs)
    now = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        remove_dataset()
        for start in range(0, total, BATCH):
            drawn = [
                _draw(index, rng, catalogue, programs, now)
                for index in range(start, min(start + BATCH, total))
            ]
            created = Provider.objects.bulk_create([row.provider for row in drawn])
            _write_relations(created, drawn)
            refresh_search_documents([provider.pk for provider in created])
    _compact()
    return total


def _compact():
    """On PostgreSQL, rewrite the tables just written and refresh their statistics: the
    replaced dataset and the search documents written after each insert leave dead rows
    (a 20 MB providers table read as 128 MB: the search page took 2.6 s instead of 0.36 s),
    and without statistics the planner guesses. VACUUM cannot run in a transaction (the
    tests): there, statistics only."""
    if connection.vendor != "postgresql":
        return
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (
            Provider,
            Offering,
            Offering.service_kinds.through,
            Provider.service_areas.through,
            Provider.labels.through,
            SearchFacet,
        )
    )
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM (FULL, ANALYZE)"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {tables}")


@transaction.atomic
def remove_dataset():
    """Delete the synthetic providers, their relations and their history; returns how many
    providers were deleted. Demo and real listings are never touched.

    In SQL rather than through `QuerySet.delete()`, which sends per-row signals: each
    deleted offering would refresh its provider's search document, and each provider would
    get a history row, minutes at 20,000 providers.
    """
    ids = list(synthetic().values_list("pk", flat=True))
    bulk = {
        Offering.service_kinds.through: "offering__provider_id__in",
        Offering: "provider_id__in",
        Provider.service_areas.through: "provider_id__in",
        Provider.labels.through: "provider_id__in",
        SearchFacet: "provider_id__in",
    }
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for model, lookup in bulk.items():
            _delete_in_sql(model.objects.filter(**{lookup: chunk}))
        for relation in Provider._meta.related_objects:  # the rare rest: revisions, reports…
            if relation.related_model not in bulk and not relation.many_to_many:
                relation.related_model._base_manager.filter(
                    **{f"{relation.field.name}__in": chunk}
                ).delete()
        _delete_in_sql(Provider.objects.filter(pk__in=chunk))
    Provider.history.filter(slug__startswith=SLUG, is_demo=True).delete()
    return len(ids)


def _delete_in_sql(queryset):
    """DELETE … WHERE pk IN (the queryset), with no per-row signal."""
    table = connection.ops.quote_name(queryset.model._meta.db_table)
    column = connection.ops.quote_name(queryset.model._meta.pk.column)
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        # Identifiers from the model's metadata, values as parameters.
        cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({sql})", params)  # noqa: S608


@dataclass
class _Drawn:
    provider: Provider
    areas: list
    offerings: list  # (software_id, [kind_id, …])
    labels: list


def _draw(index, rng, catalogue, programs, now):
    if rng.random() < RURAL_TAIL:
        seat = rng.choice(catalogue.communes)
    else:
        population = rng.random() * catalogue.cumulative_population[-1]
        seat = catalogue.communes[bisect.bisect_right(catalogue.cumulative_population, population)]
    seat_pk, epci, departement, region, seat_name = seat
    number = index + 1
    name = f"{rng.choice(NAME_HEADS)} {rng.choice(NAME_TAILS)} {seat_name} {number}"
    domain = f"synthetique-{number}.example"
    status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
    offerings = _offerings(rng, catalogue, programs)
    area_kind = rng.choices(*zip(*AREA_KINDS, strict=True))[0]
    areas = {
        "commune": [seat_pk],
        "epci": [epci or departement],
        "departement": [departement],
        "two_departements": _two_departements(rng, catalogue, region, departement),
        "region": [region],
        "country": [],
    }[area_kind]
    offered = {software for software, _kinds in offerings}
    labels = [
        pk
        for pk, software in catalogue.labels
        if (software is None or software in offered) and rng.random() < 0.08
    ]
    verified_days_ago = rng.randrange(900)
    provider = Provider(
        name=name,
        slug=f"{SLUG}{number}",
        description=_description(name, rng, offerings, catalogue),
        website=f"https://{domain}",
        email=f"contact@{domain}",
        show_email=rng.random() < 0.5,
        phone=f"01 99 00 {rng.randrange(100):02d} {rng.randrange(100):02d}",
        seat_id=seat_pk,
        serves_whole_country=area_kind == "country",
        workforce=rng.choice(Workforce.values),
        year_founded=rng.randrange(1985, 2026),
        accepts_new_clients=rng.random() < 0.85,
        cluster_id=catalogue.clusters_by_region.get(region),
        status=status,
        published_at=now - timezone.timedelta(days=verified_days_ago)
        if status == Status.PUBLISHED
        else None,
        last_verified_at=now - timezone.timedelta(days=verified_days_ago),
        email_confirmed_at=now,
        is_demo=True,
    )
    return _Drawn(provider, [pk for pk in areas if pk], offerings, labels)


def _offerings(rng, catalogue, programs):
    count = rng.choices(OFFERING_COUNTS, OFFERING_COUNT_WEIGHTS)[0]
    chosen = {}
    while len(chosen) < min(count, len(programs)):
        software, _name = rng.choices(programs, catalogue.program_weights)[0]
        if software not in chosen:
            kinds = {rng.choices(catalogue.kinds, catalogue.kind_weights)[0][0]}
            for _ in range(rng.choices([0, 1, 2], [45, 35, 20])[0]):
                kinds.add(rng.choices(catalogue.kinds, catalogue.kind_weights)[0][0])
            chosen[software] = sorted(kinds)
    return list(chosen.items())


def _two_departements(rng, catalogue, region, departement):
    neighbours = [
        pk for pk in catalogue.departements_by_region.get(region, []) if pk != departement
    ]
    return [departement] + ([rng.choice(neighbours)] if neighbours else [])


def _description(name, rng, offerings, catalogue):
    program_names = dict(catalogue.programs)
    kind_names = dict(catalogue.kinds)
    programs = ", ".join(program_names[software] for software, _kinds in offerings)
    kinds = sorted({kind_names[kind].lower() for _software, kinds in offerings for kind in kinds})
    audience = rng.choice(
        [
            "TPE et PME",
            "associations",
            "collectivités",
            "artisans et commerçants",
            "professions libérales",
        ]
    )
    return (
        f"{name} accompagne les {audience} avec {programs} : {', '.join(kinds)}.\n\n{DEMO_NOTICE}"
    )


def _write_relations(created, drawn):
    area_through = Provider.service_areas.through
    label_through = Provider.labels.through
    area_through.objects.bulk_create(
        area_through(provider_id=provider.pk, territory_id=pk)
        for provider, row in zip(created, drawn, strict=True)
        for pk in row.areas
    )
    label_through.objects.bulk_create(
        label_through(provider_id=provider.pk, label_id=pk)
        for provider, row in zip(created, drawn, strict=True)
        for pk in row.labels
    )
    offerings = Offering.objects.bulk_create(
        Offering(provider_id=provider.pk, software_id=software)
        for provider, row in zip(created, drawn, strict=True)
        for software, _kinds in row.offerings
    )
    kinds = (kinds for row in drawn for _software, kinds in row.offerings)
    kind_through = Offering.service_kinds.through
    kind_through.objects.bulk_create(
        kind_through(offering_id=offering.pk, servicekind_id=kind)
        for offering, offering_kinds in zip(offerings, kinds, strict=True)
        for kind in offering_kinds
    )
