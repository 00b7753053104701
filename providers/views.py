from urllib.parse import urlencode

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from annuaire.pagination import paginate
from annuaire.text import clean_text
from territories.models import SCHEMA_ORG_TYPES, Level, Territory, largest_first

from .filters import PAGE_SIZES, SORTS, ProviderFilterSet
from .models import Provider, SlugRedirect


@require_safe
def search(request):
    """Search results: "what" and "where", facets, chips, sorting, pagination."""
    filterset = ProviderFilterSet(request.GET)
    page, notices = paginate(
        filterset.qs.for_listing(),
        request.GET,
        page_sizes=PAGE_SIZES,
        notices=filterset.notices,
    )
    data = filterset.data
    place = filterset.place
    context = {
        "filterset": filterset,
        "page": page,
        "notices": notices,
        "place": place,
        "sorts": SORTS,
        "current_query": data.urlencode(),
        "page_query": filterset.query_string(),
        "export_query": filterset.query_string(par_page=None),
        # The search form keeps the facet filters; the sort form keeps everything else.
        "hidden_params": [
            (key, value)
            for key, values in data.lists()
            if key not in {"q", "ou", "local", "page"}
            for value in values
        ],
        "sort_hidden_params": [
            (key, value)
            for key, values in data.lists()
            if key not in {"tri", "page"}
            for value in values
        ],
    }
    if place.ambiguous:
        context["place_choices"] = [
            {"territory": choice, "query": filterset.query_string(ou=str(choice))}
            for choice in place.choices
        ]
    else:
        context["facets"] = filterset.facet_counts()
        context["chips"] = filterset.active_filters()
        context["place_alternatives"] = [
            {"territory": other, "query": filterset.query_string(ou=str(other))}
            for other in place.alternatives
        ]
        context["widen_links"] = [] if page.paginator.count else widen_links(filterset)
    return render(request, "providers/search.html", context)


def widen_links(filterset):
    """When nothing matches: the same search over larger territories, then without
    each active filter ("Dolibarr in Essonne" -> Île-de-France -> all of France)."""
    links = []
    place = filterset.place.territory
    if place is not None:
        for ancestor in place.ancestors():
            if ancestor.level in (Level.DEPARTEMENT, Level.REGION):
                links.append(
                    (
                        _("Élargir à %(place)s") % {"place": ancestor},
                        filterset.query_string(ou=str(ancestor), local=None),
                    )
                )
        links.append((_("Élargir à toute la France"), filterset.query_string(ou=None, local=None)))
    for chip in filterset.active_filters():
        if chip["key"] != "ou":
            links.append((_("Retirer « %(filter)s »") % {"filter": chip["label"]}, chip["query"]))
    return links


@require_safe
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
    if provider.email and provider.show_email:
        data["email"] = provider.email
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


def provider_list(request, name, providers):
    """schema.org ItemList of providers (for software and territory pages)."""
    return {
        "@type": "ItemList",
        "name": name,
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": {
                    "@type": "Organization",
                    "name": provider.name,
                    "url": request.build_absolute_uri(provider.get_absolute_url()),
                },
            }
            for position, provider in enumerate(providers, start=1)
        ],
    }
