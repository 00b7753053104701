"""Keeps the providers' stored search fields up to date (providers.signals calls it)."""

import functools
import threading
from contextlib import contextmanager

from django.db import connection

from core.text import search_tokens
from offerings.models import Offering, ServiceKind
from providers.models import FacetKind, Provider, SearchFacet

from .documents import SEARCH_FIELDS, document_fields, fields_from_tokens
from .query import forget_vocabulary

_deferred = threading.local()


@contextmanager
def deferred_refresh():
    """Within this block, search fields are refreshed once at the end, for every provider
    touched, instead of after each save (bulk loads: the demo, imports)."""
    if getattr(_deferred, "ids", None) is not None:  # already deferring: the outer block refreshes
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids, _deferred.ids = _deferred.ids, None
        if ids:
            refresh_search_documents(list(ids))
    finally:
        _deferred.ids = None


def refresh_search_documents(provider_ids):
    """Recompute the stored search fields of these providers (one read, one bulk write)."""
    pending = getattr(_deferred, "ids", None)
    if pending is not None:
        if not isinstance(provider_ids, list | tuple | set):
            provider_ids = list(provider_ids.values_list("pk", flat=True))
        pending.update(provider_ids)
        return 0
    providers = (
        Provider.objects.filter(pk__in=provider_ids)
        .select_related("seat")
        .prefetch_related("labels")
        .with_offerings()
    )
    changed = []
    facets = {}
    for provider in providers:
        fields = document_fields(provider)
        if any(getattr(provider, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(provider, name, value)
            changed.append(provider)
        facets[provider.pk] = facet_values(provider)
    _write(changed)
    _write_facets(facets)
    forget_vocabulary()
    return len(changed)


def facet_values(provider):
    """{(kind, id)}: what `provider` is counted under in the search's facets, from its
    prefetched offerings and labels."""
    offerings = list(provider.offerings.all())
    return (
        {(FacetKind.SOFTWARE, offering.software_id) for offering in offerings}
        | {
            (FacetKind.SERVICE, kind.pk)
            for offering in offerings
            for kind in offering.service_kinds.all()
        }
        | {(FacetKind.LABEL, label.pk) for label in provider.labels.all()}
    )


def _write_facets(wanted, chunk=1000):
    """Rewrite the facet rows of the providers whose values changed, and only those (a
    renamed program changes no id: nothing is written)."""
    ids = list(wanted)
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        stored = {pk: set() for pk in part}
        rows = SearchFacet.objects.filter(provider_id__in=part)
        for provider_id, kind, value in rows.values_list("provider_id", "kind", "value"):
            stored[provider_id].add((kind, value))
        stale = [pk for pk in part if stored[pk] != wanted[pk]]
        if stale:
            SearchFacet.objects.filter(provider_id__in=stale).delete()
            SearchFacet.objects.bulk_create(
                SearchFacet(provider_id=pk, kind=kind, value=value)
                for pk in stale
                for kind, value in sorted(wanted[pk])
            )


def _write(providers):
    _write_rows(
        [getattr(provider, name) for name in SEARCH_FIELDS] + [provider.pk]
        for provider in providers
    )


def _write_rows(rows):
    """One parameterised UPDATE per provider ([*SEARCH_FIELDS values, pk]), sent together
    (psycopg pipelines `executemany` on PostgreSQL): unlike `bulk_update`'s CASE over
    every row of a batch, its cost grows linearly (20,068 providers on PostgreSQL: 4.6 s
    instead of 24.0 s)."""
    rows = list(rows)
    if not rows:
        return
    table = connection.ops.quote_name(Provider._meta.db_table)
    columns = [Provider._meta.get_field(name).column for name in SEARCH_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(column)} = %s" for column in columns)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {assignments} WHERE id = %s",  # noqa: S608 (identifiers of the model)
            rows,
        )


def refresh_names(provider_ids, chunk=2000):
    """After a program, kind of service, label or seat commune was renamed: recompute the
    name and topic fields of these providers, keeping their stored `search_text`.

    A rename changes names only; the descriptions, the costly part to tokenise, stay as
    they were. From plain rows, with each name tokenised once for all providers, this is
    what `refresh_search_documents` would write, at a fraction of its cost (« installation »
    renamed, 17,000 providers: 22 s before).
    """
    if getattr(_deferred, "ids", None) is not None:
        return refresh_search_documents(provider_ids)
    ids = (
        list(provider_ids.values_list("pk", flat=True))
        if not isinstance(provider_ids, list | tuple | set)
        else list(provider_ids)
    )
    kind_order = {
        pk: index for index, pk in enumerate(ServiceKind.objects.values_list("pk", flat=True))
    }
    changed = []
    for start in range(0, len(ids), chunk):
        part = ids[start : start + chunk]
        offerings, kinds, labels = {}, {}, {}
        offering_rows = (
            Offering.objects.filter(provider_id__in=part)
            .order_by("software__name", "pk")
            .values_list("pk", "provider_id", "software__name")
        )
        for pk, provider_id, software in offering_rows:
            offerings.setdefault(provider_id, []).append((pk, software))
        kind_rows = Offering.service_kinds.through.objects.filter(
            offering__provider_id__in=part
        ).values_list("offering_id", "servicekind_id", "servicekind__name")
        for offering_id, kind_id, name in kind_rows:
            kinds.setdefault(offering_id, []).append((kind_order.get(kind_id, 0), name))
        label_rows = (
            Provider.labels.through.objects.filter(provider_id__in=part)
            .order_by("label__name")
            .values_list("provider_id", "label__name")
        )
        for provider_id, name in label_rows:
            labels.setdefault(provider_id, []).append(name)
        rows = Provider.objects.filter(pk__in=part).values_list(
            "pk", "name", "seat__name", *SEARCH_FIELDS
        )
        for pk, name, seat, *stored in rows:
            provider_offerings = offerings.get(pk, [])
            names = _tokens_of([name, *(software for _o, software in provider_offerings)])
            topics = _tokens_of(
                [
                    *(
                        kind
                        for offering, _software in provider_offerings
                        for _position, kind in sorted(kinds.get(offering, []))
                    ),
                    *labels.get(pk, []),
                    seat or "",
                ]
            )
            text = stored[SEARCH_FIELDS.index("search_text")].split()
            fields = fields_from_tokens(names, topics, text)
            if list(fields.values()) != stored:
                changed.append([*fields.values(), pk])
    _write_rows(changed)
    forget_vocabulary()
    return len(changed)


def _tokens_of(parts):
    """search_tokens of the parts joined, each part tokenised once per process."""
    tokens = []
    for part in parts:
        tokens += _part_tokens(part)
    return list(dict.fromkeys(tokens))


@functools.lru_cache(maxsize=20_000)
def _part_tokens(text):
    return tuple(search_tokens(text))
