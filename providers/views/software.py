"""Software pages: the catalogue by category, and one software with its providers."""

from django.db.models import Count
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from core.jsonld import organization_list
from core.pagecache import cache_public_page, listing_counts
from offerings.models import Offering, Software, SoftwareCategory
from providers.coverage import coverage_for, uncovered_first
from providers.maps import coverage_map
from providers.models import Provider

LIST_LIMIT = 20


@require_safe
@cache_public_page()
def software_list(request):
    software = Software.objects.with_provider_count().order_by("name")
    by_category = {value: [] for value in SoftwareCategory.values}
    for item in software:
        by_category[item.category].append(item)
    categories = [
        (value, label, by_category[value])
        for value, label in SoftwareCategory.choices
        if by_category[value]
    ]
    return render(request, "offerings/software_list.html", {"categories": categories})


@require_safe
@cache_public_page()
def software_detail(request, slug):
    software = get_object_or_404(Software, slug=slug)
    providers = Provider.objects.published().offering(software=[software.slug])

    def counts():
        offerings = Offering.objects.filter(software=software, provider__in=providers.values("pk"))
        by_region = (
            providers.values("seat__region__slug", "seat__region__name")
            .annotate(count=Count("pk"))
            .order_by("-count", "seat__region__name")
        )
        return providers.count(), offerings.providers_per_service(), list(by_region)

    provider_count, service_counts, region_counts = listing_counts(
        f"software:{software.pk}", counts
    )
    listed = list(providers.for_listing().order_by("name", "pk")[: LIST_LIMIT + 1])
    coverage_query = urlencode({"logiciel": software.slug})
    coverage_rows = coverage_for(None, software=software.slug)
    context = {
        "software": software,
        "provider_count": provider_count,
        "service_counts": service_counts,
        "region_counts": region_counts,
        "providers": listed[:LIST_LIMIT],
        "more": len(listed) > LIST_LIMIT,
        "search_query": urlencode({"logiciel": software.slug}),
        "coverage_rows": uncovered_first(coverage_rows),
        "uncovered_count": sum(1 for row in coverage_rows if row.uncovered),
        "coverage_query": coverage_query,
        "map": coverage_map(
            coverage_rows,
            None,
            search_query=coverage_query,
            title=f"Prestataires {software.name} intervenant, par département",
        ),
        "crumbs": [("Logiciels", reverse("offerings:software_list")), (software.name, None)],
        "labels": software.labels.all(),
        "needs": software.needs.all(),
        "replaces": software.replaces.all(),
        "structured_data": software_structured_data(request, software, listed[:LIST_LIMIT]),
    }
    return render(request, "offerings/software_detail.html", context)


def software_structured_data(request, software, providers):
    """schema.org SoftwareApplication, and the list of providers shown on the page."""
    same_as = [url for url in (software.website, software.wikidata_url) if url]
    application = {
        "@type": "SoftwareApplication",
        "@id": request.build_absolute_uri(software.get_absolute_url()) + "#logiciel",
        "name": software.name,
        "description": software.description,
        "applicationCategory": software.get_category_display(),
        "license": software.licence,
        "url": request.build_absolute_uri(software.get_absolute_url()),
        "sameAs": same_as,
    }
    return {
        "@context": "https://schema.org",
        "@graph": [
            application,
            organization_list(request, f"Prestataires {software.name}", providers),
        ],
    }
