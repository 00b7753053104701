"""Territory pages, the collectivités' entry point: the providers located in and serving
a région, a département, an intercommunalité or a commune."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from core.jsonld import organization_list
from core.pagecache import cache_public_page, listing_counts
from core.pagination import sliced_by_ids
from core.text import clean_text
from providers.coverage import coverage_for, coverage_providers, uncovered_first
from providers.maps import add_seats, coverage_map
from providers.models import Provider
from providers.search.filters import reference_choices
from territories.models import SCHEMA_ORG_TYPES, Level, Territory

LIST_LIMIT = 20


@require_safe
@cache_public_page()
def index(request):
    regions = Territory.objects.regions().order_by("name")
    located = Provider.objects.published().count_by_region()
    rows = [(region, located.get(region.pk, 0)) for region in regions]
    return render(
        request, "territories/index.html", {"rows": rows, "crumbs_index": [("Territoires", None)]}
    )


def _coverage(request, territory):
    """The map of a région (its départements) or a département (its EPCI): shaded by the
    providers serving each, for all programs or the one chosen (?logiciel=), with the seats
    of the providers seated there as points."""
    choices = dict(reference_choices()["logiciel"])
    chosen = clean_text(request.GET.get("logiciel", ""), 80)[0]
    notice = ""
    if chosen and chosen not in choices:
        notice = "Logiciel inconnu ignoré : la carte montre tous les logiciels."
        chosen = ""
    rows = coverage_for(territory, software=chosen)
    query = urlencode({"logiciel": chosen}) if chosen else ""
    what = f" {choices[chosen]}" if chosen else ""
    unit = "département" if territory.level == Level.REGION else "intercommunalité"
    drawn = coverage_map(
        rows,
        territory,
        search_query=query,
        title=f"Prestataires{what} intervenant par {unit}, {territory.name}, et leurs sièges",
    )
    add_seats(drawn, coverage_providers(chosen).located_in(territory))
    return {
        "map": drawn,
        "map_rows": uncovered_first(rows),
        "map_unit": unit,
        "map_software": chosen,
        "map_software_name": choices.get(chosen, ""),
        "map_software_choices": sorted(choices.items(), key=lambda item: item[1].lower()),
        "map_query": query,
        "map_notice": notice,
    }


def _page(request, territory, children=(), children_title=""):
    published = Provider.objects.published()
    located = published.located_in(territory).for_listing().order_by("name", "pk")
    serving = published.serving(territory).with_locality(territory)

    def counts():
        return (serving.count(), *serving.offered_counts())

    serving_count, software_counts, service_counts = listing_counts(
        f"territory:{territory.pk}", counts
    )
    label = str(territory)
    located_list = list(located[: LIST_LIMIT + 1])
    context = {
        "territory": territory,
        "ancestors": territory.ancestors(),
        "located": located_list[:LIST_LIMIT],
        "located_more": len(located_list) > LIST_LIMIT,
        "serving": sliced_by_ids(
            serving.for_listing().order_by("-locality", "name", "pk"), 0, LIST_LIMIT
        ),
        "serving_count": serving_count,
        "software_counts": software_counts,
        "service_counts": service_counts,
        "search_query": urlencode({"ou": label}),
        "local_query": urlencode({"ou": label, "local": "on"}),
        "children": children,
        "children_title": children_title,
        "crumbs": _crumbs(territory),
    }
    if territory.level in (Level.REGION, Level.DEPARTEMENT):
        context.update(_coverage(request, territory))
    context["structured_data"] = territory_structured_data(request, territory, context)
    return render(request, "territories/detail.html", context)


def _crumbs(territory):
    crumbs = [("Territoires", reverse("territories:index"))]
    if territory.level in (Level.DEPARTEMENT, Level.COMMUNE) and territory.region_id:
        crumbs.append((territory.region.name, territory.region.get_absolute_url()))
    if territory.level == Level.COMMUNE and territory.departement_id:
        crumbs.append((territory.departement.name, territory.departement.get_absolute_url()))
    crumbs.append((territory.name, None))
    return crumbs


def _get(level, slug, **parents):
    territory = get_object_or_404(
        Territory.objects.current().select_related("region", "departement", "epci"),
        level=level,
        slug=slug,
    )
    for field, parent_slug in parents.items():
        parent = getattr(territory, field)
        if parent is None or parent.slug != parent_slug:
            raise Http404("Territoire introuvable à cette adresse.")
    return territory


@require_safe
@cache_public_page(params=("logiciel",))
def region(request, region):
    territory = _get(Level.REGION, region)
    children = Territory.objects.departements().filter(region=territory).select_related("region")
    return _page(request, territory, children.order_by("code"), "Départements")


@require_safe
@cache_public_page(params=("logiciel",))
def departement(request, region, departement):
    territory = _get(Level.DEPARTEMENT, departement, region=region)
    children = Territory.objects.epcis().filter(departement=territory).order_by("name")
    return _page(request, territory, children, "Intercommunalités")


@require_safe
@cache_public_page()
def epci(request, epci):
    territory = _get(Level.EPCI, epci)
    children = (
        Territory.objects.communes()
        .filter(epci=territory)
        .select_related("region", "departement")
        .order_by("-population", "name")
    )
    return _page(request, territory, children, "Communes membres")


@require_safe
@cache_public_page()
def commune(request, region, departement, commune):
    territory = _get(Level.COMMUNE, commune, region=region, departement=departement)
    return _page(request, territory)


def territory_structured_data(request, territory, context):
    place = {
        "@type": SCHEMA_ORG_TYPES[territory.level],
        "@id": request.build_absolute_uri(territory.get_absolute_url()) + "#territoire",
        "name": territory.name,
        "identifier": territory.code,
        "url": request.build_absolute_uri(territory.get_absolute_url()),
        "containedInPlace": [
            {"@type": SCHEMA_ORG_TYPES[parent.level], "name": parent.name}
            for parent in context["ancestors"]
        ],
    }
    serving = organization_list(
        request, f"Prestataires intervenant à {territory.name}", context["serving"]
    )
    return {"@context": "https://schema.org", "@graph": [place, serving]}
