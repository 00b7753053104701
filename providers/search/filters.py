"""The directory's one FilterSet: the search page and its facets, the downloads and the API.

Every filter is a GET parameter, so any result list is a shareable URL:
/prestataires/?q=formation&ou=Évry-Courcouronnes (91)&logiciel=dolibarr&service=formation

Bad input never fails: values are cleaned (control characters, length), unknown
values and parameters are dropped, and `notices` says what was ignored.
"""

import json
from dataclasses import replace

import django_filters
from django import forms
from django.db.models import Count, F
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from core.counting import count_distinct
from core.pagecache import listing_counts
from core.shared import forget, shared
from core.text import clean_text
from offerings.models import Offering, ServiceKind, Software, SoftwareCategory
from providers.models import (
    FacetKind,
    Label,
    Provider,
    SearchFacet,
    Workforce,
)
from territories.models import Level, Territory
from territories.resolution import resolve

from .understanding import read_query

CHOICES_KEY = "providers:filter-choices:v2"
CHOICES_TIMEOUT = 600
FACET_SLUGS_KEY = "providers:facet-slugs:v1"
# The facets counted from SearchFacet rows, and their kind there.
FACET_KINDS = {
    "logiciel": FacetKind.SOFTWARE,
    "service": FacetKind.SERVICE,
    "label": FacetKind.LABEL,
}
MAX_TEXT = {"q": 200, "ou": 120}
MAX_VALUES_PER_FILTER = 20
PAGE_SIZES = (20, 50, 100)
SORTS = {
    "pertinence": _("Pertinence"),
    "distance": _("Distance"),
    "nom": _("Nom"),
    "verification": _("Vérifiés récemment"),
}
# « Dans un rayon de » (km), offered when « Où ? » is a commune.
RADII = (10, 20, 50, 100)
# Read by the pagination (which reports a bad value itself); not reported as unknown.
KNOWN_EXTRA = {"page", "par_page"}
# The facets, in display order: (parameter, title).
FACETS = [
    ("logiciel", _("Logiciel")),
    ("service", _("Service")),
    ("region", _("Région du siège")),
    ("effectif", _("Effectif")),
    ("label", _("Labels et certifications")),
]
OFFERING_FILTERS = ("logiciel", "categorie", "service")


def reference_choices():
    """Slugs and names of software, service kinds, régions and labels: reference data,
    shared (see core.shared) and forgotten by providers.signals whenever one changes."""
    return shared(CHOICES_KEY, _build_choices, CHOICES_TIMEOUT)


def _build_choices():
    return {
        "logiciel": list(Software.objects.values_list("slug", "name")),
        "service": list(ServiceKind.objects.values_list("slug", "name")),
        "region": list(Territory.objects.regions().values_list("slug", "name")),
        "label": list(Label.objects.values_list("slug", "name")),
    }


def facet_slugs():
    """{facet kind: {id: slug}}: how SearchFacet rows read as facet values."""
    return shared(FACET_SLUGS_KEY, _build_facet_slugs, CHOICES_TIMEOUT)


def _build_facet_slugs():
    return {
        FacetKind.SOFTWARE: dict(Software.objects.values_list("pk", "slug")),
        FacetKind.SERVICE: dict(ServiceKind.objects.values_list("pk", "slug")),
        FacetKind.LABEL: dict(Label.objects.values_list("pk", "slug")),
    }


def forget_reference_choices(**kwargs):
    forget(CHOICES_KEY, FACET_SLUGS_KEY)


class ProviderFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Quoi ?"), method="noop")
    ou = django_filters.CharFilter(label=_("Où ?"), method="noop")
    local = django_filters.BooleanFilter(
        label=_("Seulement les prestataires installés sur place"),
        widget=forms.CheckboxInput,
        method="noop",
    )
    logiciel = django_filters.MultipleChoiceFilter(label=_("Logiciel"), method="noop")
    categorie = django_filters.MultipleChoiceFilter(
        label=_("Catégorie de logiciel"), choices=SoftwareCategory.choices, method="noop"
    )
    service = django_filters.MultipleChoiceFilter(label=_("Service"), method="noop")
    region = django_filters.MultipleChoiceFilter(
        label=_("Région du siège"), field_name="seat__region__slug"
    )
    effectif = django_filters.MultipleChoiceFilter(
        label=_("Effectif"), field_name="workforce", choices=Workforce.choices
    )
    label = django_filters.MultipleChoiceFilter(
        label=_("Labels et certifications"), field_name="labels__slug", distinct=True
    )
    disponible = django_filters.BooleanFilter(
        label=_("Accepte de nouveaux clients"),
        field_name="accepts_new_clients",
        widget=forms.CheckboxInput,
    )
    rayon = django_filters.TypedChoiceFilter(
        label=_("Et les entreprises installées à moins de"),
        choices=[(str(km), f"{km} km") for km in RADII],
        coerce=int,
        method="noop",
    )
    tri = django_filters.ChoiceFilter(
        label=_("Trier par"), choices=list(SORTS.items()), method="noop", empty_label=None
    )
    litteral = django_filters.BooleanFilter(
        label=_("Chercher les mots tels quels"), widget=forms.CheckboxInput, method="noop"
    )

    class Meta:
        model = Provider
        fields = []

    def __init__(self, data, queryset=None, **kwargs):
        # `notices` tells a person what happened; `ignored` is the part of it that
        # dropped some input (the API refuses such requests instead).
        self.notices = []
        self.ignored = []
        self._choices = reference_choices()
        data = self._clean_data(data)
        if queryset is None:
            queryset = Provider.objects.published()
        self.literal = data.get("litteral") == "on"
        self.typed_query = data.get("q", "")
        self.reading = read_query(
            self.typed_query, literal=self.literal, with_place=not data.get("ou")
        )
        if self.reading.place is not None:  # « nextcloud lyon »: as if « Où ? » said Lyon
            data = self._with_place_understood(data)
        super().__init__(data, queryset=queryset, **kwargs)
        for name, choices in self._choices.items():
            self.filters[name].extra["choices"] = choices
        self.token_groups, self.widened = self.reading.token_groups, self.reading.widened
        self.concepts = self.reading.concepts
        if self.reading.place is not None and self.reading.place.territory is not None:
            self.place = replace(self.reading.place, text=data["ou"], alternatives=[])
        else:
            self.place = resolve(data.get("ou", ""))
        if self.place.corrected and self.place.territory:
            self.notices.append(
                _("Lieu « %(typed)s » introuvable tel quel : résultats pour %(place)s.")
                % {"typed": self.place.text, "place": self.place.territory}
            )
        if self.place.unknown:
            self._ignore(
                _("Lieu « %(typed)s » introuvable : il n'est pas pris en compte.")
                % {"typed": self.place.text}
            )
        self.origin = self._distance_origin(data)
        if self.origin is not None and data.get("rayon") and data.get("local") == "on":
            self._ignore(
                _("Le rayon ne s'applique pas aux seuls prestataires installés sur place.")
            )
        for typed, meant in self.widened.items():
            self.notices.append(
                _("Recherche élargie : « %(typed)s » cherche aussi « %(meant)s ».")
                % {"typed": typed, "meant": ", ".join(meant)}
            )

    def _distance_origin(self, data):
        """The commune distances are measured from: « Où ? » when it is a commune (or a
        postal code) with a known point; None otherwise, and a notice when the radius or
        the distance sort asked for one."""
        place = self.place.territory
        if place is not None and place.level == Level.COMMUNE and place.latitude is not None:
            return place
        if data.get("rayon") or data.get("tri") == "distance":
            self._ignore(
                _("La distance se mesure depuis une commune : indiquez-en une dans « Où ? ».")
                if place is None or place.level != Level.COMMUNE
                else _("Position de %(place)s inconnue : pas de distance.") % {"place": place}
            )
        return None

    @property
    def radius(self):
        """The radius in km, when one is chosen, a commune gives the centre and the search
        is not limited to the providers seated there (`local`)."""
        value = self.data.get("rayon")
        if not value or self.origin is None or self.data.get("local") == "on":
            return None
        return int(value)

    def sorts(self):
        """The sorts this search offers: « Distance » only from a commune."""
        return {key: label for key, label in SORTS.items() if key != "distance" or self.origin}

    def _with_place_understood(self, data):
        """The query with the place read in « Quoi ? » moved to « Où ? »."""
        place = self.reading.place
        understood = QueryDict(mutable=True)
        if self.reading.rest:
            understood["q"] = self.reading.rest
        understood["ou"] = str(place.territory) if place.territory else self.reading.place_words
        for key, values in data.lists():
            if key not in {"q", "ou"}:
                understood.setlist(key, values)
        return understood

    def understanding(self):
        """How « Quoi ? » was read, for the page and the API: the place found in it and
        the needs, products and categories recognised, with the programs they point to;
        None when every word was read as a word."""
        place = self.reading.place
        if place is None and not self.concepts:
            return None
        return {
            "text": self.typed_query,
            "place": place.territory if place is not None else None,
            "place_words": self.reading.place_words,
            "concepts": [
                {
                    "typed": match.typed,
                    "kinds": [concept.kind for concept in match.concepts],
                    "names": [concept.name for concept in match.concepts],
                    "sentence": _concept_sentence(match),
                    "software": [
                        {
                            "slug": slug,
                            "name": name,
                            "query": self.query_string(logiciel=[slug]),
                        }
                        for _pk, slug, name in match.software
                    ],
                }
                for match in self.concepts
            ],
            "literal_query": self.literal_query(),
        }

    def literal_query(self):
        """The same search with « Quoi ? » read word by word, as typed."""
        data = self.data.copy()
        data.pop("page", None)
        if self.reading.place is not None:
            data.pop("ou", None)
        data["q"] = self.typed_query
        data["litteral"] = "on"
        return data.urlencode()

    def _ignore(self, message):
        self.notices.append(message)
        self.ignored.append(message)

    def noop(self, queryset, name, value):
        return queryset

    def _clean_data(self, data):
        """A plain dict of cleaned values; what was dropped goes to `notices`."""
        allowed_multi = {
            "logiciel": {slug for slug, _ in self._choices["logiciel"]},
            "service": {slug for slug, _ in self._choices["service"]},
            "region": {slug for slug, _ in self._choices["region"]},
            "label": {slug for slug, _ in self._choices["label"]},
            "categorie": set(SoftwareCategory.values),
            "effectif": set(Workforce.values),
        }
        cleaned = {}
        for key in data:
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if key in MAX_TEXT:
                text, truncated = clean_text(values[0] if values else "", MAX_TEXT[key])
                if truncated:
                    self._ignore(
                        _("Texte trop long, réduit à %(n)d caractères.") % {"n": MAX_TEXT[key]}
                    )
                if text:
                    cleaned[key] = text
            elif key in allowed_multi:
                kept = []
                for value in values:
                    value, _truncated = clean_text(value, 60)
                    if value in allowed_multi[key] and value not in kept:
                        kept.append(value)
                    elif value:
                        self._ignore(
                            _("Valeur inconnue ignorée : %(key)s=« %(value)s ».")
                            % {"key": key, "value": value}
                        )
                if kept:
                    cleaned[key] = kept[:MAX_VALUES_PER_FILTER]
            elif key in {"local", "disponible", "litteral"}:
                value = values[0] if values else ""
                if value in {"1", "on", "true", "oui"}:
                    cleaned[key] = "on"
                elif value not in {"", "0", "off", "false", "non"}:
                    self._ignore(
                        _("Valeur inconnue ignorée : %(key)s=« %(value)s ».")
                        % {"key": key, "value": clean_text(value, 60)[0]}
                    )
            elif key == "par_page":
                value = values[0] if values else ""
                if value in {str(size) for size in PAGE_SIZES}:
                    cleaned[key] = value
            elif key == "tri":
                value = values[0] if values else ""
                if value in SORTS:
                    cleaned[key] = value
                elif value:
                    self._ignore(_("Tri inconnu ignoré."))
            elif key == "rayon":
                value = values[0] if values else ""
                if value in {str(km) for km in RADII}:
                    cleaned[key] = value
                elif value:
                    self._ignore(
                        _("Rayon inconnu ignoré : choisissez %(choices)s km.")
                        % {"choices": ", ".join(str(km) for km in RADII)}
                    )
            elif key not in KNOWN_EXTRA:
                name, _truncated = clean_text(key, 40)
                self._ignore(_("Paramètre inconnu ignoré : « %(key)s ».") % {"key": name})
        query = QueryDict(mutable=True)
        for key, value in cleaned.items():
            query.setlist(key, value if isinstance(value, list) else [value])
        return query

    def filter_queryset(self, queryset, exclude=()):
        """Apply every filter except those named in `exclude` (used for facet counts)."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if self.token_groups or self.concepts:
            queryset = queryset.search(
                self.token_groups,
                [
                    [[pk for pk, _slug, _name in concept.software] for concept in match.concepts]
                    for match in self.concepts
                ],
                self.reading.optional_groups,
            )
        place = self.place.territory
        if place is not None:
            queryset = queryset.with_locality(place)
            if self.origin is not None:
                queryset = queryset.with_distance(self.origin)
            if data.get("local") is True:
                queryset = queryset.located_in(place)
            elif self.radius:
                queryset = queryset.near(place, self.radius)
            else:
                queryset = queryset.serving(place)
        elif self.place.ambiguous:
            queryset = queryset.none()
        offering_criteria = {
            key: data.get(key) for key in OFFERING_FILTERS if key not in exclude and data.get(key)
        }
        if offering_criteria:
            criteria = {
                "software": offering_criteria.get("logiciel", ()),
                "categories": offering_criteria.get("categorie", ()),
                "services": offering_criteria.get("service", ()),
            }
            # « facturation » and service=formation: training on a program that invoices,
            # one and the same offering, as for logiciel and service.
            for match in self.concepts or [None]:
                ids = match.software_ids if match is not None else None
                queryset = queryset.offering(**criteria, software_ids=ids)
        for name in ("region", "effectif", "label"):
            if name not in exclude and data.get(name):
                queryset = self.filters[name].filter(queryset, data[name])
        if data.get("disponible") is True:
            queryset = queryset.filter(accepts_new_clients=True)
        return queryset

    @property
    def sort(self):
        value = self.data.get("tri")
        if value in self.sorts():
            return value
        return "distance" if self.origin is not None else "pertinence"

    @property
    def qs(self):
        if not hasattr(self, "_qs"):
            self._qs = self.order(self.filter_queryset(self.queryset.all()))
        return self._qs

    def order(self, queryset):
        if self.sort == "nom":
            return queryset.order_by("name", "pk")
        if self.sort == "verification":
            return queryset.order_by(F("last_verified_at").desc(nulls_last=True), "name", "pk")
        if self.sort == "distance":
            keys = [F("distance_km").asc(nulls_last=True)]
            if self.token_groups or self.concepts:
                keys.append("-relevance")
            return queryset.order_by(*keys, "name", "pk")
        keys = []
        if self.place.territory is not None:
            keys.append("-locality")
        if self.token_groups or self.concepts:
            keys.append("-relevance")
        return queryset.order_by(*keys, "name", "pk")

    def mark_reasons(self, providers):
        """Tell, on each of these providers (a page of results), why it is listed for a
        commune: `covers_place` when its service areas cover it (or it serves the whole
        country), beside its `distance_km`; one query, none without a commune."""
        providers = list(providers)
        if self.origin is None or not providers:
            return providers
        covering = set(
            Provider.objects.filter(pk__in=[provider.pk for provider in providers])
            .covering(self.origin)
            .values_list("pk", flat=True)
        )
        for provider in providers:
            provider.covers_place = provider.pk in covering
            provider.outside_radius = self.radius is not None and (
                provider.distance_km is None or provider.distance_km > self.radius
            )
        return providers

    # Facets ---------------------------------------------------------------

    def facet_counts(self):
        """[{name, title, rows: [{value, label, count, selected, query}]}]. Each facet's
        counts apply every other active filter. Also sets `result_count`."""
        data = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        # The same for every page, page size and sort of one search: kept with the listings.
        state = json.dumps(
            {key: value for key, value in data.items() if key != "tri"},
            sort_keys=True,
            default=str,
        )
        counts, self.result_count = listing_counts(
            f"search-facets:{state}", lambda: self._counts(data)
        )
        facets = []
        for name, title in FACETS:
            selected = list(data.get(name) or [])
            labels = dict(Workforce.choices if name == "effectif" else self._choices[name])
            found = counts[name]
            values = [value for value in found if found[value]]
            values += [value for value in selected if value not in found]
            rows = [
                {
                    "value": value,
                    "label": labels.get(value, value),
                    "count": found.get(value, 0),
                    "selected": value in selected,
                    "query": self.toggle_query(name, value),
                }
                for value in values
            ]
            facets.append({"name": name, "title": title, "rows": rows})
        return facets

    result_count = None

    def _counts(self, data):
        """({facet: {value: providers}}, number of results), facets in display order, in as
        few queries as the active
        filters allow. A facet counts the results of every *other* filter, so a facet whose
        own filter is inactive counts over the results themselves. Over those, one grouped
        query gives the région and effectif facets and the number of results (a provider
        has one seat and one effectif); the others count (provider, value) pairs made
        distinct first, which PostgreSQL hashes where COUNT(DISTINCT) sorted on disk."""
        results = self.filter_queryset(self.queryset.all())

        def base(name):
            if not data.get(name):
                return results
            return self.filter_queryset(self.queryset.all(), exclude={name})

        over_results = self._seat_and_workforce(results)
        seats = over_results
        if data.get("region"):
            seats = self._seat_and_workforce(base("region"))
        workforces = over_results
        if data.get("effectif"):
            workforces = self._seat_and_workforce(base("effectif"))
        # From the SearchFacet rows where they answer (one query for every such facet whose
        # own filter is inactive), from offerings where a program or category filter must
        # pick which offerings count.
        answered = {
            "logiciel": not data.get("service") and not data.get("categorie"),
            "service": not data.get("logiciel") and not data.get("categorie") and not self.concepts,
            "label": True,
        }
        pairs = self._facet_rows(
            results, [name for name in FACET_KINDS if answered[name] and not data.get(name)]
        )
        for name in FACET_KINDS:
            if name not in pairs:
                pairs[name] = (
                    self._facet_rows(base(name), [name])[name]
                    if answered[name]
                    else self._pairs(name, base(name), data)
                )
        names = dict(self._choices["logiciel"])
        position = {slug: index for index, (slug, _name) in enumerate(self._choices["service"])}
        counts = {
            "logiciel": _ordered(
                pairs["logiciel"], key=lambda value, count: (-count, names.get(value, value))
            ),
            "service": _ordered(
                pairs["service"], key=lambda value, count: position.get(value, len(position))
            ),
            "region": _ordered(_summed(seats, 0)),
            "effectif": _ordered(_summed(workforces, 1)),
            "label": _ordered(pairs["label"]),
        }
        return counts, sum(over_results.values())

    @staticmethod
    def _seat_and_workforce(queryset):
        """{(région slug, effectif): providers} in one grouped query."""
        rows = (
            queryset.order_by()
            .values_list("seat__region__slug", "workforce")
            .annotate(count=Count("pk"))
        )
        return {(region, workforce): count for region, workforce, count in rows}

    @staticmethod
    def _facet_rows(base, names):
        """{facet: {slug: providers}} of these facets over `base`, in one query."""
        if not names:
            return {}
        kinds = {FACET_KINDS[name]: name for name in names}
        rows = (
            SearchFacet.objects.filter(provider__in=base.values("pk"), kind__in=kinds)
            .values_list("kind", "value")
            .annotate(count=Count("pk"))
            .order_by()
        )
        slugs = facet_slugs()
        counts = {name: {} for name in names}
        for kind, value, count in rows:
            slug = slugs[kind].get(value)
            if slug is not None:
                counts[kinds[kind]][slug] = count
        return counts

    def _pairs(self, name, base, data):
        """{slug: providers} of the program or service facet counted over the offerings
        that the program, service and category filters pick (« formation » on Dolibarr)."""
        offerings = Offering.objects.filter(provider__in=base.values("pk"))
        if name == "service":
            if data.get("logiciel"):
                offerings = offerings.filter(software__slug__in=data["logiciel"])
            if self.concepts:  # the services offered on the programs the query named
                named = {pk for match in self.concepts for pk in match.software_ids}
                offerings = offerings.filter(software__in=named)
            field = "service_kinds__slug"
        else:
            if data.get("service"):
                offerings = offerings.filter(service_kinds__slug__in=data["service"])
            field = "software__slug"
        if data.get("categorie"):
            offerings = offerings.filter(software__category__in=data["categorie"])
        counts = count_distinct(offerings, "provider_id", field)
        return {value: count for (value,), count in counts.items()}

    # Active filters, as removable chips --------------------------------------

    def active_filters(self):
        """[{key, label, query}]: each active filter value, with the query string that
        removes it (the "chips" of the results page)."""
        chips = []
        for key, values in self.data.lists():
            if key in {"tri", "par_page", "page"} or (key == "local" and not self.place.territory):
                continue
            if key == "rayon" and self.radius is None:
                continue
            for value in values:
                chips.append(
                    {
                        "key": key,
                        "label": self._chip_label(key, value),
                        "query": self.query_string(**{key: [v for v in values if v != value]}),
                    }
                )
        return chips

    def _chip_label(self, key, value):
        if key == "q":
            return _("Recherche : %(value)s") % {"value": value}
        if key == "ou":
            place = self.place.territory
            return _("Lieu : %(value)s") % {"value": place or value}
        if key == "local":
            return _("Installés sur place")
        if key == "rayon":
            return _("Et installés à moins de %(km)s km") % {"km": value}
        if key == "disponible":
            return _("Accepte de nouveaux clients")
        if key == "litteral":
            return _("Mots pris tels quels")
        choices = dict(self._choices.get(key) or [])
        if key == "categorie":
            choices = dict(SoftwareCategory.choices)
        if key == "effectif":
            choices = dict(Workforce.choices)
        return f"{self.filters[key].label} : {choices.get(value, value)}"

    def query_string(self, **changes):
        """The current query string with some parameters replaced (None or [] removes);
        the page number is dropped, since the results change."""
        data = self.data.copy()
        data.pop("page", None)
        for key, value in changes.items():
            if value is None:
                data.pop(key, None)
            elif isinstance(value, list):
                if value:
                    data.setlist(key, value)
                else:
                    data.pop(key, None)
            else:
                data[key] = value
        return data.urlencode()

    def toggle_query(self, key, value):
        values = list(self.data.getlist(key))
        values = [v for v in values if v != value] if value in values else [*values, value]
        return self.query_string(**{key: values})


def _concept_sentence(match):
    """« Zoom → logiciels libres équivalents », « facturation → logiciels pour Facturer »."""
    concept = match.concepts[0]
    if concept.kind == "product":
        return _("%(typed)s → logiciels libres équivalents") % {"typed": match.typed}
    if concept.kind == "need":
        return _("%(typed)s → logiciels pour « %(need)s »") % {
            "typed": match.typed,
            "need": concept.name,
        }
    return _("%(typed)s → %(category)s") % {"typed": match.typed, "category": concept.name}


def _ordered(counts, key=lambda value, count: (-count, value)):
    return dict(sorted(counts.items(), key=lambda item: key(*item)))


def _summed(grouped, position):
    """{value: providers} of one member of the keys of `grouped` ({(région, effectif): n})."""
    totals = {}
    for key, count in grouped.items():
        if key[position]:
            totals[key[position]] = totals.get(key[position], 0) + count
    return totals
