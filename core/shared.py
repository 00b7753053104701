"""Reference data computed once and shared by every process through Django's cache,
without unpickling it again on each request.

`shared(key, build)` returns the value of `build()`, stored in the cache under a
*generation*; each process keeps the unpickled value while the generation it read is
still the current one, so a request costs one small cache read instead of unpickling a
large structure (the 36,000 place names, the search lexicon). `forget(key)` starts a new
generation: every process rebuilds or refetches on its next read, which is what makes
invalidation work across several app servers sharing one cache. With Django's default
per-process memory cache, the other processes see a change only when the value expires
(the `timeout`, ten minutes at most here).

Written by hand: Django's cache has no process-level layer, and libraries that add one
(cachetools and the like) know nothing of invalidation across processes.
"""

import itertools
import os
import secrets
import threading

from django.core.cache import cache

_local = {}
_lock = threading.Lock()
_counter = itertools.count()


def _generation_key(key):
    return f"{key}:generation"


def generation(key, timeout=600):
    """The current generation of `key`, started now if there is none; None when the cache
    keeps nothing (DummyCache)."""
    current = cache.get(_generation_key(key))
    if current is None:
        # Unique across processes and restarts; the first process to add it wins.
        unique = f"{os.getpid()}-{next(_counter)}-{secrets.token_hex(4)}"
        cache.add(_generation_key(key), unique, timeout)
        current = cache.get(_generation_key(key))
    return current


def shared(key, build, timeout=600):
    generation_now = generation(key, timeout)
    if generation_now is None:  # a cache that keeps nothing (DummyCache): no memo either
        return build()
    with _lock:
        kept = _local.get(key)
    if kept is not None and kept[0] == generation_now:
        return kept[1]
    value_key = f"{key}:{generation_now}"
    value = cache.get(value_key)
    if value is None:
        value = build()
        cache.set(value_key, value, timeout)
    with _lock:
        _local[key] = (generation_now, value)
    return value


def forget(*keys):
    """Drop these values everywhere: the next read rebuilds them."""
    cache.delete_many([_generation_key(key) for key in keys])
    with _lock:
        for key in keys:
            _local.pop(key, None)
