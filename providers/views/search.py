"""The search page: « Quoi ? » and « Où ? », facets, chips, sorting, pagination."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from core.pagecache import cache_public_page
from core.pagination import paginate
from providers.maps import results_map
from providers.search.filters import PAGE_SIZES, RADII, ProviderFilterSet
from territories.models import Level

# What the page reads from its query string; anything else is left out of its cache key.
SEARCH_PARAMETERS = (*ProviderFilterSet.base_filters, "page", "par_page")


@require_safe
@cache_public_page(params=SEARCH_PARAMETERS)
def search(request):
    """Search results: "what" and "where", facets, chips, sorting, pagination."""
    filterset = ProviderFilterSet(request.GET)
    # The facets' grouped query also gives the number of results (one query fewer).
    facets = None if filterset.place.ambiguous else filterset.facet_counts()
    page, notices = paginate(
        filterset.qs.for_listing(),
        request.GET,
        page_sizes=PAGE_SIZES,
        notices=filterset.notices,
        count=filterset.result_count,
    )
    page.object_list = filterset.mark_reasons(page.object_list)
    data = filterset.data
    place = filterset.place
    context = {
        "filterset": filterset,
        "page": page,
        "notices": notices,
        "place": place,
        "sorts": filterset.sorts(),
        "radii": RADII,
        "current_query": data.urlencode(),
        "page_query": filterset.query_string(),
        "export_query": filterset.query_string(par_page=None),
        # The search form keeps the facet filters; the sort form keeps everything else.
        "hidden_params": [
            (key, value)
            for key, values in data.lists()
            if key not in {"q", "ou", "local", "rayon", "page", "litteral"}
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
        context["facets"] = facets
        context["chips"] = filterset.active_filters()
        context["understanding"] = with_counts(filterset.understanding(), context["facets"])
        context["place_alternatives"] = [
            {"territory": other, "query": filterset.query_string(ou=str(other))}
            for other in place.alternatives
        ]
        context["widen_links"] = [] if page.paginator.count else widen_links(filterset)
        if place.territory is not None and page.paginator.count:
            context["map"] = results_map(
                page.object_list, place.territory, start=page.start_index()
            )
    return render(request, "providers/search.html", context)


def with_counts(understanding, facets):
    """Each program named in `understanding` with its number of providers in these results,
    read from the software facet (no extra query)."""
    if understanding is None:
        return None
    counts = {
        row["value"]: row["count"]
        for facet in facets
        if facet["name"] == "logiciel"
        for row in facet["rows"]
    }
    for concept in understanding["concepts"]:
        for software in concept["software"]:
            software["count"] = counts.get(software["slug"], 0)
    return understanding


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
