"""Keeps the providers' stored search fields up to date (providers.signals calls it)."""

import threading
from contextlib import contextmanager

from providers.models import Provider

from .documents import SEARCH_FIELDS, document_fields
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
    for provider in providers:
        fields = document_fields(provider)
        if any(getattr(provider, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(provider, name, value)
            changed.append(provider)
    Provider.objects.bulk_update(changed, SEARCH_FIELDS, batch_size=500)
    forget_vocabulary()
    return len(changed)
