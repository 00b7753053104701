"""A small fixed-window rate limiter on Django's cache.

With several app servers the cache must be shared (see README, CACHE_URL), or
each server counts on its own.
"""

import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request):
    """The client's address: REMOTE_ADDR, or behind our own HTTPS proxy the address it
    appended last to X-Forwarded-For (earlier values can be forged by the client)."""
    if settings.BEHIND_HTTPS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]
    return request.META.get("REMOTE_ADDR", "")[:64]


def allow(scope, key, limit, window_seconds=3600):
    """Count one hit for (scope, key); False once `limit` hits fell in this window."""
    window = int(time.time() // window_seconds)
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    cache.add(cache_key, 0, window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, window_seconds)
        count = 1
    return count <= limit
