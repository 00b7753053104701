"""Turn what someone typed in "Où ?" into one territory, a choice, or nothing.

Accepted: a name ("Évry", "essonne", "ile de france"), a label as we display it
("Évry-Courcouronnes (91)"), a postal code ("91000"), an INSEE code, also a
former one ("91182"), an EPCI SIREN. A typo falls back to the closest names
("evri courcouronnes") found by rapidfuzz, the same way on both databases.

Choosing among candidates: an exact name or code beats a name that starts with
the text, which beats a word inside a name; within that, bigger populations
weigh more. The best candidate is taken when it outweighs the next one five
times ("Évry" → Évry-Courcouronnes, 66,919 inhabitants, rather than Évry in
the Yonne, 402); otherwise the person is asked to choose ("Saint-Denis").
"""

import re
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q
from rapidfuzz import fuzz, process

from core.shared import shared
from core.text import fold

from .models import Level, PostalCode, Territory, TerritoryAlias

MAX_CANDIDATES = 40
MAX_CHOICES = 8
DOMINANCE = 5
TIER_WEIGHTS = (100, 10, 1)
FUZZY_CUTOFF = 0.8  # rapidfuzz's ratio runs a little above difflib's (0.75 before)
_HINT = re.compile(r"^(?P<name>.*?)\s*\((?P<hint>[0-9AB]{2,9})\)\s*$", re.IGNORECASE)
NAMES_KEY = "territories:names:v2"
ALIAS_NAMES_KEY = "territories:alias-names:v2"


@dataclass
class Resolution:
    text: str
    territory: Territory | None = None
    choices: list = field(default_factory=list)
    alternatives: list = field(default_factory=list)
    corrected: bool = False
    # The text is exactly the name, a code or the label of the chosen place (of the
    # likeliest choice, when ambiguous), not the start of a name or a typo.
    exact: bool = False

    @property
    def ambiguous(self):
        return self.territory is None and bool(self.choices)

    @property
    def unknown(self):
        return bool(self.text) and self.territory is None and not self.choices


def _candidates(query, folded, raw, *, label, within=None):
    """Up to MAX_CANDIDATES matches, each annotated with what its tier needs (one query).

    `label` also matches a displayed label exactly; `within` (a Q object) narrows
    the candidates before the limit, e.g. to a département.
    """
    aliases = TerritoryAlias.objects.filter(territory=OuterRef("pk"))
    found = Territory.objects.current().search(query, label=label)
    if within is not None:
        found = found.filter(within | Q(label=label))
    return list(
        found.select_related("epci", "departement", "region").annotate(
            postal_hit=Exists(PostalCode.objects.filter(commune=OuterRef("pk"), code=raw)),
            alias_hit=Exists(aliases.filter(Q(code=raw) | Q(search_name=folded))),
            alias_prefix=Exists(aliases.filter(search_name__startswith=folded)),
        )[:MAX_CANDIDATES]
    )


def _narrow(found, keep):
    """The candidates for which `keep` holds, or all of them if none does."""
    narrowed = [candidate for candidate in found if keep(candidate)]
    return narrowed or found


def _tier(candidate, folded, raw):
    if candidate.search_name == folded or candidate.code == raw:
        return 0
    if candidate.postal_hit or candidate.alias_hit:
        return 0
    if candidate.search_name.startswith(folded) or candidate.alias_prefix:
        return 1
    return 2


def _drop_containers(tiered):
    """Drop a candidate that contains another, equally well matched candidate: "Nantes"
    means the commune, not Nantes Métropole; "Paris" the commune, not the département."""
    contained_by = {}
    for tier, candidate in tiered:
        for ancestor_id in (candidate.epci_id, candidate.departement_id, candidate.region_id):
            if ancestor_id:
                contained_by[ancestor_id] = min(tier, contained_by.get(ancestor_id, tier))
    return [
        (tier, candidate) for tier, candidate in tiered if contained_by.get(candidate.pk, 3) > tier
    ]


def _weight(candidate, tier):
    return (candidate.population or 1) * TIER_WEIGHTS[tier]


def _choose(text, ranked, *, corrected=False, exact=()):
    """`ranked`: (weight, candidate) pairs, heaviest first; `exact`: the candidates the
    text names exactly."""
    if not ranked:
        return Resolution(text)
    best_weight, best = ranked[0]
    others = [candidate for _, candidate in ranked[1 : MAX_CHOICES + 1]]
    if len(ranked) == 1 or best_weight >= DOMINANCE * ranked[1][0]:
        return Resolution(
            text, territory=best, alternatives=others, corrected=corrected, exact=best in exact
        )
    choices = [candidate for _, candidate in ranked[:MAX_CHOICES]]
    return Resolution(
        text,
        choices=choices,
        corrected=corrected,
        exact=choices[0] in exact,
    )


def _fuzzy(folded, hint=None):
    """Closest names for a typo, by similarity (rapidfuzz's normalised Indel ratio, in C)
    then population. The same code on PostgreSQL and SQLite, over a cached list of the
    current names, so both databases suggest the same places. A few milliseconds over
    the 36,000 names, where difflib took 250 ms for a string that matches nothing."""
    names = _known_names()
    close = process.extract(
        folded, list(names), scorer=fuzz.ratio, limit=10, score_cutoff=FUZZY_CUTOFF * 100
    )
    ids = [pk for name, _score, _index in close for pk in names[name]]
    pool = Territory.objects.filter(pk__in=ids).select_related("epci", "departement", "region")
    if hint and len(hint) < 5:
        pool = pool.filter(Q(departement__code=hint) | Q(level=Level.DEPARTEMENT, code=hint))
    scored = []
    for candidate in pool:
        ratio = fuzz.ratio(folded, candidate.search_name) / 100
        scored.append((round(ratio, 1), candidate.population or 1, candidate))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    if not scored:
        return []
    best_ratio = scored[0][0]
    return [(population, place) for ratio, population, place in scored if ratio == best_ratio]


def resolve(text, *, fuzzy=True):
    """Resolve a "where" text into a `Resolution`; `fuzzy=False` skips the typo search."""
    text = " ".join(str(text).split())[:120]
    if not fold(text):
        return Resolution("")
    name, hint = text, None
    match = _HINT.match(text)
    if match and fold(match["name"]):
        name, hint = match["name"], match["hint"].upper()
    folded = fold(name)
    raw = (hint or text).strip().upper()
    if hint and len(hint) >= 5:  # "Évry (91228)": an INSEE code, a postal code or a SIREN
        found = _narrow(
            _candidates(hint, folded, raw, label=text),
            lambda c: c.label == text or c.search_name.startswith(folded),
        )
    elif hint:  # "Évry (91)": a département code, applied before the candidates' limit
        in_departement = Q(departement__code=hint) | Q(level=Level.DEPARTEMENT, code=hint)
        found = _candidates(name, folded, raw, label=text, within=in_departement)
    else:
        found = _candidates(name, folded, raw, label=text)
    exact = [candidate for candidate in found if candidate.label == text]
    if len(exact) == 1:  # a label we displayed: always its own territory
        return Resolution(text, territory=exact[0], exact=True)
    if not found:
        return _choose(text, _fuzzy(folded, hint) if fuzzy else [], corrected=True)
    tiered = _drop_containers([(_tier(c, folded, raw), c) for c in found])
    ranked = sorted(
        ((_weight(c, tier), c) for tier, c in tiered), key=lambda pair: pair[0], reverse=True
    )
    exact_names = [candidate for tier, candidate in tiered if tier == 0]
    return _choose(text, ranked, exact=exact_names)


def _known_names():
    """{folded name: [pk…]} of current territories (shared, see core.shared), also the
    typo search's list."""
    return shared(NAMES_KEY, _build_names, 24 * 3600)


def _build_names():
    names = {}
    for pk, name in Territory.objects.current().values_list("pk", "search_name"):
        names.setdefault(name, []).append(pk)
    return names


def _known_alias_names():
    return shared(ALIAS_NAMES_KEY, _build_alias_names, 24 * 3600)


def _build_alias_names():
    return frozenset(
        TerritoryAlias.objects.exclude(search_name="").values_list("search_name", flat=True)
    )


_CODE = re.compile(r"[0-9][0-9AB][0-9]{3}")


def may_be_place(text):
    """Whether `text` could name a place exactly (a territory's or a former commune's
    name, a postal or INSEE code, a label as displayed), answered from cached lists,
    without a query."""
    hinted = _HINT.match(text)
    if hinted and fold(hinted["name"]):  # a label as displayed: « Lyon (69) »
        text = hinted["name"]
    folded = fold(text)
    if not folded:
        return False
    if _CODE.fullmatch(text.strip().upper()):
        return True
    return folded in _known_names() or folded in _known_alias_names()


def suggestions(text, limit=MAX_CHOICES):
    """Places starting with `text`, for the "Où ?" field's suggestions (no typo search)."""
    if len(fold(text)) < 2:
        return []
    return list(
        Territory.objects.current()
        .search(text[:120])
        .select_related("departement", "region")[:limit]
    )
