"""The site's own pages: home, robots.txt, error pages and the health probe."""

import sys

from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_safe

from core import mail
from core.counting import count_distinct
from core.pagecache import cache_public_page, listing_counts
from offerings.models import Need, ReplacedProduct, Software, SoftwareCategory
from providers.models import Provider
from territories.models import Territory


def _home_counts():
    published = Provider.objects.published()
    by_category = count_distinct(published, "pk", "offerings__software__category")
    categories = {category: count for (category,), count in by_category.items()}
    popular = (
        Software.objects.with_provider_count()
        .filter(provider_count__gt=0)
        .order_by("-provider_count", "name")[:8]
    )
    return published.count(), categories, published.count_by_region(), list(popular)


@require_safe
@cache_public_page()
def home(request):
    """Search form, browsing by software category and by région, with counts."""
    provider_count, category_counts, region_counts, popular = listing_counts(
        "home:v2", _home_counts
    )
    context = {
        "provider_count": provider_count,
        "categories": [
            (value, label, category_counts[value])
            for value, label in SoftwareCategory.choices
            if category_counts.get(value)
        ],
        "regions": [
            (region, region_counts.get(region.pk, 0))
            for region in Territory.objects.regions().order_by("name")
        ],
        "home_needs": Need.objects.filter(on_home=True, software__isnull=False).distinct(),
        "home_products": ReplacedProduct.objects.filter(
            on_home=True, alternatives__isnull=False
        ).distinct(),
        "popular_software": popular,
    }
    return render(request, "home.html", context)


def bad_request(request, exception):
    return render(request, "400.html", status=400)


ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /referencer/confirmer/
Disallow: /mon-entreprise/
Disallow: /fiche-a-jour/
Disallow: /prestataires/telecharger.
Disallow: /lieux/suggestions
Allow: /

Sitemap: {sitemap}
"""


@require_safe
def robots(request):
    text = ROBOTS.format(sitemap=request.build_absolute_uri("/sitemap.xml"))
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def not_found(request, exception):
    return render(request, "404.html", status=404)


def permission_denied(request, exception):
    return render(request, "403.html", status=403)


def csrf_failure(request, reason=""):
    """A form posted without its security token, or with an expired one (CSRF_FAILURE_VIEW)."""
    return render(request, "403_csrf.html", status=403)


@requires_csrf_token
def server_error(request):
    """The 500 page: no database access, no context processors (they may be what failed).
    When the database cannot be reached (down, refusing, or past DB_CONNECT_TIMEOUT), a
    503 « service momentanément indisponible » instead, with a Retry-After."""
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "30"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


@never_cache
@require_safe
def healthz(request):
    """Liveness and readiness probe: 200 when the database answers, 503 otherwise. The
    mail outbox's backlog is reported for monitoring, never a reason to answer 503: an
    app server cannot fix a mail server."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    try:
        outbox = mail.backlog()
    except DatabaseError:  # reachable, but its tables not migrated yet
        outbox = "unavailable"
    return JsonResponse({"status": "ok", "database": "ok", "mail_outbox": outbox})
