"""Rendered public pages kept in the shared cache, and the HTTP headers that let browsers
and proxies keep them too.

`cache_public_page(params=…)` wraps a view. For an anonymous GET or HEAD (no session or
messages cookie), the key is the path plus only the query parameters the page understands,
sorted, so `?nc=123` or a reordered query string reaches the same entry instead of growing
the cache; a request with unknown or oversized values is served uncached, never refused
here. Entries belong to the current *generation* of the listings: `forget_pages()`, called
whenever a listing, an offering or reference data changes, starts a new one, so every app
server sharing the cache stops serving the old pages at once (old entries age out by their
timeout). Every anonymous page also gets `Cache-Control: public, max-age` and `ETag`
(Django's ConditionalGetMiddleware turns a matching `If-None-Match` into a 304).

Written by hand: Django's `cache_page` keys on the raw query string and every cookie-free
variation of it, and has no invalidation but the timeout.
"""

import hashlib
from functools import wraps
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.utils.cache import patch_cache_control

from .shared import forget, generation

PAGES_GENERATION = "pages"
MAX_VALUE_LENGTH = 200
PRIVATE_COOKIES = ("sessionid", "messages", "csrftoken")


def page_cache():
    return caches["pages"]


def forget_pages(**kwargs):
    """Every cached page is stale: a listing or the reference data changed."""
    forget(PAGES_GENERATION)


def cache_public_page(params=(), max_age=60):
    """Serve this view's anonymous responses from the shared cache, keyed on `params`."""
    allowed = frozenset(params)

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _anonymous(request):
                return view(request, *args, **kwargs)
            timeout = settings.PAGE_CACHE_SECONDS
            key = _key(request, allowed) if timeout else None
            pages = page_cache()
            if key is not None:
                cached = pages.get(key)
                if cached is not None:
                    return _public(cached, max_age)
            response = view(request, *args, **kwargs)
            if response.status_code == 200 and not response.streaming and not response.cookies:
                _public(response, max_age)
                if key is not None and request.method == "GET":
                    store = lambda rendered: pages.set(key, rendered, timeout)  # noqa: E731
                    if getattr(response, "is_rendered", True):
                        store(response)
                    else:  # a TemplateResponse (the sitemaps): once rendered
                        response.add_post_render_callback(store)
            return response

        return wrapped

    return decorator


def _anonymous(request):
    if request.method not in ("GET", "HEAD"):
        return False
    return not any(name in request.COOKIES for name in PRIVATE_COOKIES)


def _key(request, allowed):
    """The cache key, or None when the request should not be cached.

    Keyed on the parameters the page reads, each with its values exactly as sent, in the
    order sent (a view may read the first or the last of repeated values, and may or may
    not strip them: `?logiciel=moodle&logiciel=` must not share the page of
    `?logiciel=moodle`); only the order of different parameters does not matter."""
    pairs = []
    for name, values in request.GET.lists():
        if name not in allowed:
            continue
        for value in values:
            if len(value) > MAX_VALUE_LENGTH:
                return None
            pairs.append((name, value))
    pairs.sort(key=lambda pair: pair[0])  # stable: the values of one name keep their order
    normalised = urlencode(pairs)
    current = generation(PAGES_GENERATION)
    if current is None:
        return None
    digest = hashlib.blake2b(f"{request.path}?{normalised}".encode(), digest_size=16).hexdigest()
    return f"page:{current}:{digest}"


def _public(response, max_age):
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def listing_counts(name, build, timeout=300):
    """The value of `build()` (counts over the published listings: a page's facets or
    totals), kept in the shared cache until the listings change — the same generation as
    the pages, forgotten by `forget_pages()`. For the parts of a page that are costly and
    the same for every visitor, whoever they are (a moderator too)."""
    current = generation(PAGES_GENERATION)
    if current is None or not settings.LISTING_COUNTS_CACHE:
        return build()
    digest = hashlib.blake2b(name.encode(), digest_size=16).hexdigest()
    key = f"counts:{current}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
