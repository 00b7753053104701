"""Coverage: for a set of areas (départements, or the EPCI of a département), how many
providers are seated in each and how many serve each — the numbers of the coverage view
(/couverture/), of the maps on software and territory pages, and of their downloads and API.

« Serves » is `ProviderQuerySet.serving`'s rule, counted for a hundred areas at once: asking
`serving()` per area would be a hundred queries. Instead, three narrow queries (the
providers' seats, their service areas that can cover one of the areas, and for EPCI the
départements and régions they belong to), then each provider adds one to every area it
serves, found through a map from each possible service area to the areas it covers.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.pagecache import listing_counts
from core.text import clean_text
from offerings.models import Software, SoftwareCategory
from territories.models import Level, Territory, departement_choices

from .exports import spreadsheet_text
from .models import Provider
from .search.filters import reference_choices


@dataclass
class AreaCoverage:
    territory: Territory
    seated: int
    serving: int

    @property
    def uncovered(self):
        return self.serving == 0


def sub_areas(scope):
    """The areas a scope is broken into: France (None) and a région into their
    départements, a département into its intercommunalités (those whose main département
    it is, as on its page)."""
    if scope is None:
        areas = Territory.objects.departements()
    elif scope.level == Level.REGION:
        areas = Territory.objects.departements().filter(region=scope)
    elif scope.level == Level.DEPARTEMENT:
        areas = Territory.objects.epcis().filter(departement=scope)
    else:
        raise ValueError(f"pas de découpage pour {scope.level}")
    return list(areas.select_related("region", "departement").order_by("code"))


def _covered_by(areas):
    """{territory id: ids of `areas` that a service area on that territory covers}."""
    covered = {}

    def add(container, area_id):
        covered.setdefault(container, set()).add(area_id)

    if areas[0].level == Level.DEPARTEMENT:
        for area in areas:
            add(area.pk, area.pk)
            add(area.region_id, area.pk)
        return covered
    # Every commune row, retired ones too, as Territory.ancestor_ids reads an EPCI's parents.
    memberships = (
        Territory.objects.filter(level=Level.COMMUNE, epci__in=[area.pk for area in areas])
        .values_list("epci", "departement", "region")
        .order_by()
        .distinct()
    )
    for area in areas:
        add(area.pk, area.pk)
    for epci, departement, region in memberships:
        add(departement, epci)
        add(region, epci)
    return covered


def coverage(providers, areas):
    """[AreaCoverage] of `areas` (one level: départements or EPCI), in their order, for the
    providers of the queryset `providers`."""
    if not areas:
        return []
    seat_field = "seat__departement" if areas[0].level == Level.DEPARTEMENT else "seat__epci"
    ids = {area.pk for area in areas}
    covered = _covered_by(areas)
    seated, serving = Counter(), Counter()
    everywhere = 0
    served = defaultdict(set)
    whole_country = set()
    # Only the providers seated in the areas, or serving the whole country: the others count
    # through their service areas alone (a région's page: 4,000 rows instead of 18,000).
    rows = (
        providers.order_by()
        .filter(Q(**{f"{seat_field}__in": ids}) | Q(serves_whole_country=True))
        .values_list("pk", "serves_whole_country", seat_field)
    )
    for pk, serves_everywhere, seat_area in rows:
        if serves_everywhere:
            everywhere += 1
            whole_country.add(pk)
        if seat_area in ids:
            seated[seat_area] += 1
            served[pk].add(seat_area)
    through = Provider.service_areas.through.objects.filter(
        provider__in=providers.order_by().values("pk"), territory_id__in=list(covered)
    )
    for provider_id, territory_id in through.values_list("provider_id", "territory_id"):
        served[provider_id] |= covered[territory_id]
    for pk, areas_served in served.items():
        if pk not in whole_country:  # counted everywhere already
            serving.update(areas_served & ids)
    return [AreaCoverage(area, seated[area.pk], serving[area.pk] + everywhere) for area in areas]


def coverage_providers(software="", category=""):
    """The published providers of a program (slug), of a category, or of all programs: the
    set every coverage count and map of seats is about."""
    published = Provider.objects.published()
    if software:
        return published.offering(software=[software])
    if category:
        return published.offering(categories=[category])
    return published


def coverage_for(scope, software="", category=""):
    """[AreaCoverage] of `sub_areas(scope)` for the published providers of a program (slug)
    or a category, or of all programs: the one entry point of the coverage page, the maps,
    the downloads and the API. Kept with the listing counts (computed again after any
    listing changes)."""
    providers = coverage_providers(software, category)
    areas = sub_areas(scope)
    scope_key = "france" if scope is None else f"{scope.level}:{scope.pk}"
    counts = listing_counts(
        f"coverage:{software}:{category}:{scope_key}",
        lambda: {row.territory.pk: (row.seated, row.serving) for row in coverage(providers, areas)},
    )
    return [AreaCoverage(area, *counts.get(area.pk, (0, 0))) for area in areas]


def uncovered_first(rows):
    """Places nobody serves first, then the least served, then by name."""
    return sorted(rows, key=lambda row: (row.serving, row.seated, row.territory.name))


SORTS = {
    "manque": _("Sans prestataire d'abord"),
    "nom": _("Nom"),
    "installes": _("Prestataires installés"),
    "intervenants": _("Prestataires intervenant"),
}


class CoverageForm(forms.Form):
    """What /couverture/, its downloads and its API take: a program or a category, and a
    perimeter (France, a région, or a département broken into its EPCI). Every field is
    optional; a value not in its list is an error that says so."""

    logiciel = forms.ChoiceField(label=_("Logiciel"), required=False)
    categorie = forms.ChoiceField(label=_("ou catégorie de logiciel"), required=False)
    region = forms.ChoiceField(label=_("Région"), required=False)
    departement = forms.ChoiceField(
        label=_("ou département (détail par intercommunalité)"), required=False
    )
    tri = forms.ChoiceField(label=_("Trier par"), required=False, choices=list(SORTS.items()))

    def __init__(self, data, **kwargs):
        data = {
            key: clean_text(data.get(key, ""), 80)[0] for key in self.base_fields if key in data
        }
        super().__init__(data, **kwargs)
        choices = reference_choices()
        self.fields["logiciel"].choices = [("", _("Tous les logiciels")), *choices["logiciel"]]
        self.fields["categorie"].choices = [
            ("", _("Toutes les catégories")),
            *SoftwareCategory.choices,
        ]
        self.fields["region"].choices = [("", _("Toute la France")), *choices["region"]]
        self.fields["departement"].choices = [("", "—"), *departement_choices()]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("logiciel") and cleaned.get("categorie"):
            self.add_error("categorie", _("Choisissez un logiciel ou une catégorie, pas les deux."))
        return cleaned

    @property
    def values(self):
        """The valid choices, or the defaults where a value was refused."""
        if self.is_valid():
            return self.cleaned_data
        return {
            name: value
            for name, value in getattr(self, "cleaned_data", {}).items()
            if name not in self.errors
        }

    def scope(self):
        """The perimeter: a département (EPCI rows), a région, or None for France."""
        values = self.values
        if values.get("departement"):
            return (
                Territory.objects.departements()
                .select_related("region")
                .get(slug=values["departement"])
            )
        if values.get("region"):
            return Territory.objects.regions().get(slug=values["region"])
        return None

    @property
    def sort(self):
        return self.values.get("tri") or "manque"

    def software(self):
        slug = self.values.get("logiciel")
        return Software.objects.filter(slug=slug).first() if slug else None

    def rows(self, scope):
        """[AreaCoverage] of the perimeter, sorted as asked (places nobody serves first by
        default, then the least served, then by name)."""
        values = self.values
        rows = coverage_for(scope, values.get("logiciel", ""), values.get("categorie", ""))
        if self.sort == "manque":
            return uncovered_first(rows)
        keys = {
            "nom": lambda row: row.territory.name,
            "installes": lambda row: (-row.seated, -row.serving, row.territory.name),
            "intervenants": lambda row: (-row.serving, -row.seated, row.territory.name),
        }
        return sorted(rows, key=keys[self.sort])

    def query_string(self, **changes):
        """The current choices as a query string, with some replaced (None removes)."""
        query = QueryDict(mutable=True)
        for name, value in {**self.values, **changes}.items():
            if value:
                query[name] = value
        return query.urlencode()


COVERAGE_HEADER = [
    "code",
    "territoire",
    "niveau",
    "prestataires_intervenant",
    "prestataires_installes",
    "page",
]


def coverage_records(rows, base_url):
    """The rows of a coverage table as dicts (the API's « zones »)."""
    for row in rows:
        territory = row.territory
        yield {
            "code": territory.code,
            "territoire": str(territory),
            "niveau": territory.level,
            "prestataires_intervenant": row.serving,
            "prestataires_installes": row.seated,
            "page": base_url + territory.get_absolute_url(),
        }


def coverage_table(rows, base_url):
    """The rows of a coverage table as spreadsheet rows, in COVERAGE_HEADER order."""
    for record in coverage_records(rows, base_url):
        yield [spreadsheet_text(record[key]) for key in COVERAGE_HEADER]
