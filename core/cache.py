"""The shared cache (Redis or Valkey), made to degrade instead of failing.

Django's RedisCache raises when the server is down. Every page reads the cache (rate
limits, reference data, rendered pages), so an outage of the cache used to take the whole
site down with 500s. Here, an unreachable server is skipped for `retry_after_seconds`
(a circuit breaker) and the process works on a memory cache of its own meanwhile, as
without CACHE_URL: pages are computed, limits count per process. The first request after
a hang waits the socket timeout (1 s) once, the next ones do not wait at all.

Written by hand: django-redis has IGNORE_EXCEPTIONS, but it makes every call a miss (no
rate limit at all during the outage) and would replace Django's own backend for one
option.
"""

import logging
import threading
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params):
        options = dict(params.get("OPTIONS", {}))
        self.retry_after_seconds = float(options.pop("retry_after_seconds", 10))
        super().__init__(server, {**params, "OPTIONS": options})
        self._local = LocMemCache(
            f"fallback-{id(self)}", {**params, "OPTIONS": {"MAX_ENTRIES": 5000}}
        )
        self._down_until = 0.0
        self._lock = threading.Lock()

    @property
    def is_down(self):
        return time.monotonic() < self._down_until

    def _either(self, name, *args, **kwargs):
        if not self.is_down:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                with self._lock:
                    first = not self.is_down
                    self._down_until = time.monotonic() + self.retry_after_seconds
                if first:
                    logger.warning(
                        "Cache partagé injoignable (%s) : cache local au processus pendant "
                        "%g s, puis nouvel essai.",
                        error,
                        self.retry_after_seconds,
                    )
        return getattr(self._local, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def clear(self):
        self._local.clear()
        return self._either("clear")
