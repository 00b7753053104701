"""A provider's public page, with its schema.org description."""

from urllib.parse import urlencode

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.pagecache import cache_public_page
from core.text import clean_text
from providers.models import Provenance, Provider, SlugRedirect
from territories.models import SCHEMA_ORG_TYPES, Territory, largest_first


@require_safe
@cache_public_page()
def detail(request, slug):
    moved = SlugRedirect.objects.filter(old_slug=slug).select_related("provider").first()
    if moved is not None and moved.provider.is_public:
        return redirect(moved.provider, permanent=True)
    provider = get_object_or_404(
        Provider.objects.published()
        .select_related("seat__epci", "seat__departement", "seat__region", "cluster")
        .prefetch_related(
            "labels",
            Prefetch(
                "provenances",
                queryset=Provenance.objects.unverified(),
                to_attr="unverified_sources",
            ),
            Prefetch(
                "service_areas",
                queryset=Territory.objects.select_related("region", "departement"),
            ),
        )
        .with_offerings(),
        slug=slug,
    )
    service_areas = largest_first(provider.service_areas.all())
    back_query, _truncated = clean_text(request.GET.get("retour", ""), 1000)
    context = {
        "provider": provider,
        "service_areas": service_areas,
        "back_query": back_query,
        "map_url": "https://www.openstreetmap.org/search?"
        + urlencode({"query": provider.postal_address()}),
        "structured_data": provider_structured_data(request, provider, service_areas),
        "crumbs": [
            (_("Prestataires"), reverse("providers:search")),
            (provider.seat.region.name, provider.seat.region.get_absolute_url()),
            (provider.name, None),
        ],
    }
    return render(request, "providers/detail.html", context)


def provider_structured_data(request, provider, service_areas):
    """schema.org Organization with areaServed and makesOffer, as JSON-LD."""
    areas = [{"@type": SCHEMA_ORG_TYPES[area.level], "name": area.name} for area in service_areas]
    if provider.serves_whole_country:
        areas.insert(0, {"@type": "Country", "name": "France"})
    data = {
        "@context": "https://schema.org",
        "@type": "Organization",
        "@id": request.build_absolute_uri(provider.get_absolute_url()),
        "name": provider.name,
        "url": provider.website or request.build_absolute_uri(provider.get_absolute_url()),
        "description": provider.description,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": provider.address,
            "postalCode": provider.postal_code,
            "addressLocality": provider.seat.name,
            "addressRegion": provider.seat.region.name,
            "addressCountry": "FR",
        },
        "areaServed": areas,
        "makesOffer": [
            {
                "@type": "Offer",
                "itemOffered": {
                    "@type": "Service",
                    "name": f"{kind.name} — {offering.software.name}",
                    "serviceType": kind.name,
                    "category": offering.software.name,
                },
            }
            for offering in provider.offerings.all()
            for kind in offering.service_kinds.all()
        ],
    }
    if provider.public_email:
        data["email"] = provider.public_email
    if provider.phone:
        data["telephone"] = provider.phone
    if provider.siren:
        data["identifier"] = {
            "@type": "PropertyValue",
            "propertyID": "SIREN",
            "value": provider.siren,
        }
    if provider.year_founded:
        data["foundingDate"] = str(provider.year_founded)
    return data
