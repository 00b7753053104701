"""How the search reads what people type in « Quoi ? »: a need (« facturation »), a
category (« ERP »), a product to leave (« Zoom »), and a place at the start or the end
(« nextcloud lyon »), besides words matched literally.

- A phrase of the catalogue's lexicon (needs, replaced products, categories, with their
  aliases) becomes a *concept*: the providers of the free programs it points to match,
  ranked first. Service kinds and software names are never concepts: they stay literal
  words of the full-text search.
- Filler words of a request (« je cherche un logiciel pour », « alternative à »,
  « remplacer ») are dropped.
- When « Où ? » is empty, a place named exactly at the end or the start of the text
  becomes the place, as if typed in « Où ? ».
- `literal=True` (the « mot à mot » link) reads every word as a word.

Matching is done on folded, stemmed tokens (core.text.search_tokens), the same on
PostgreSQL and SQLite. The lexicon is cached and forgotten when the catalogue changes
(providers.signals).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from core.shared import forget, shared
from core.text import fold, search_tokens
from offerings.models import (
    CATEGORY_ALIASES,
    Need,
    ReplacedProduct,
    ServiceKind,
    Software,
    SoftwareCategory,
)
from providers.models import Label
from territories.models import Level
from territories.resolution import may_be_place, resolve

from .query import MAX_QUERY_TOKENS, directory_words, literal_groups

LEXICON_KEY = "providers:search-lexicon:v4"
LEXICON_TIMEOUT = 600
MAX_PLACE_WORDS = 5
_WORD = re.compile(r"\w+")
_PARENTHESES = re.compile(r"\(([^)]*)\)")

# Words of a request that say nothing about what is searched, dropped from queries (and
# from the lexicon's phrases, so that both sides agree). Folded, before stemming.
FILLERS = frozenset(
    [
        "je",
        "j",
        "cherche",
        "chercher",
        "recherche",
        "rechercher",
        "besoin",
        "voudrais",
        "veux",
        "souhaite",
        "aimerais",
        "trouver",
        "logiciel",
        "logiciels",
        "outil",
        "outils",
        "solution",
        "solutions",
        "application",
        "applications",
        "appli",
        "applis",
        "programme",
        "programmes",
        "alternative",
        "alternatives",
        "alternatif",
        "remplacer",
        "remplacement",
        "remplacant",
        "remplace",
        "equivalent",
        "equivalents",
        "equivalente",
        "libre",
        "libres",
        "open",
        "source",
        "opensource",
        "gratuit",
        "gratuits",
        "faire",
        "ses",
        "son",
        "sa",
        "leurs",
        "quelqu",
        "quelque",
        "un",
        "une",
        "qui",
        "pouvoir",
        "peut",
        "autre",
        "autres",
        "quitter",
        "sortir",
        "marre",
        "plus",
        "ne",
        "pas",
    ]
)


@dataclass(frozen=True)
class Concept:
    """A need, a replaced product or a category, and the programs it points to."""

    kind: str  # "need", "product" or "category"
    key: str  # the need's or product's slug, the category's value
    name: str
    software: tuple  # ((pk, slug, name), …) by name


@dataclass
class ConceptMatch:
    """Words of the query read as one or more concepts (a phrase may be both a need and a
    category: « visioconférence »)."""

    typed: str
    concepts: list

    @property
    def software(self):
        """The programs of every concept matched, by name, without repeats."""
        found = {item[0]: item for concept in self.concepts for item in concept.software}
        return sorted(found.values(), key=lambda item: item[2].lower())

    @property
    def software_ids(self):
        return [pk for pk, _slug, _name in self.software]


@dataclass
class Reading:
    text: str
    token_groups: list = field(default_factory=list)
    # Words that only rank (beside a concept, a word that names nothing the directory
    # knows, such as « suivre » in « suivre les tickets », must not empty the results).
    optional_groups: list = field(default_factory=list)
    widened: dict = field(default_factory=dict)
    concepts: list = field(default_factory=list)
    # Set when a place was found in the text: its Resolution and the words left for "what".
    place: object = None
    place_words: str = ""
    rest: str = ""


def stems(text):
    """The meaningful stems of `text`: search tokens without the request's filler words."""
    kept = [word for word in _WORD.findall(text) if fold(word) not in FILLERS]
    return tuple(search_tokens(" ".join(kept)))


def lexicon():
    """{stems of a phrase: [Concept…]} for needs, replaced products and categories; an
    empty list for a phrase that stays literal (shared, see core.shared)."""
    return shared(LEXICON_KEY, _build_lexicon, LEXICON_TIMEOUT)[0]


def lexicon_words():
    """Every folded word of the lexicon's phrases and literal names."""
    return shared(LEXICON_KEY, _build_lexicon, LEXICON_TIMEOUT)[1]


def forget_lexicon(**kwargs):
    forget(LEXICON_KEY)


def _build_lexicon():
    programs = {}
    by_category = defaultdict(list)
    for pk, slug, name, category in Software.objects.values_list("pk", "slug", "name", "category"):
        programs[pk] = (pk, slug, name)
        by_category[category].append(pk)

    def software_of(ids):
        return tuple(sorted((programs[pk] for pk in set(ids)), key=lambda item: item[2].lower()))

    need_software = defaultdict(list)
    for need_id, software_id in Software.needs.through.objects.values_list(
        "need_id", "software_id"
    ):
        need_software[need_id].append(software_id)
    product_software = defaultdict(list)
    for product_id, software_id in Software.replaces.through.objects.values_list(
        "replacedproduct_id", "software_id"
    ):
        product_software[product_id].append(software_id)

    # What stays literal, as an empty entry: a program's name (« Jitsi Meet » is not
    # « Google Meet »), a label (« Qualiopi »), a kind of service and each of its words
    # (« support », « formation »), which the search matches as words and facets.
    entries, words = {}, set()
    for name in ServiceKind.objects.values_list("name", flat=True):
        entries[stems(name)] = []
        entries.update({(stem,): [] for stem in stems(name)})
    for name in Label.objects.values_list("name", flat=True):
        entries[stems(name)] = []
    for _pk, _slug, name in programs.values():
        entries[stems(name)] = []
    literal = set(entries)

    def add(phrase, concept):
        # « Discuter en équipe (chat) » is also said « discuter en équipe » and « chat ».
        variants = [phrase, _PARENTHESES.sub(" ", phrase), *_PARENTHESES.findall(phrase)]
        for variant in variants:
            words.update(fold(variant).split())
            key = stems(variant)
            if key and key not in literal:
                found = entries.setdefault(key, [])
                if all((c.kind, c.key) != (concept.kind, concept.key) for c in found):
                    found.append(concept)

    for need in Need.objects.all():
        concept = Concept("need", need.slug, need.name, software_of(need_software[need.pk]))
        for phrase in [need.name, *need.alias_list]:
            add(phrase, concept)
    for product in ReplacedProduct.objects.all():
        concept = Concept(
            "product", product.slug, product.name, software_of(product_software[product.pk])
        )
        for phrase in [product.name, *product.alias_list]:
            add(phrase, concept)
    for value, label in SoftwareCategory.choices:
        if value == SoftwareCategory.OTHER:
            continue
        concept = Concept("category", value, str(label), software_of(by_category[value]))
        for phrase in [str(label), *CATEGORY_ALIASES.get(value, [])]:
            add(phrase, concept)
    for key in literal:
        words.update(key)
    return entries, frozenset(words)


@dataclass
class _Token:
    stem: str
    word: str  # as typed
    start: int  # the word's span in the text
    end: int


def _tokens(text, *, literal=False):
    """The meaningful tokens of `text`, each with the word and span it comes from (the
    request's filler words dropped, unless every word is to be read as typed)."""
    tokens = []
    for match in _WORD.finditer(text):
        if not literal and fold(match[0]) in FILLERS:
            continue
        for stem in search_tokens(match[0]):
            if stem not in (token.stem for token in tokens):
                tokens.append(_Token(stem, match[0], *match.span()))
    return tokens


def _segments(tokens, entries):
    """Greedy longest match of the lexicon over `tokens`: [(tokens, concepts or None)];
    concepts is [] for a name that stays literal, None for a word of no phrase."""
    longest = max(map(len, entries), default=0)
    segments, position = [], 0
    while position < len(tokens):
        for size in range(min(longest, len(tokens) - position), 0, -1):
            window = tokens[position : position + size]
            found = entries.get(tuple(token.stem for token in window))
            if found is not None:
                segments.append((window, [c for c in found if c.software]))
                position += size
                break
        else:
            segments.append((tokens[position : position + 1], None))
            position += 1
    return segments


def find_place(text, segments):
    """A place named at the end (else the start) of `text`, outside the phrases the
    lexicon read (« formation en ligne » is not Ligné): (Resolution, the place as typed,
    the rest of the text), or None. A place ambiguous but named exactly (« Saint-Denis »)
    is returned too, so that the page can ask which one.

    A small commune whose name is a common word (Marches, École, Plan) is taken only
    after « à », « près de », « sur »… : « marchés publics » stays words."""
    words = [(match.span(), fold(match[0])) for match in _WORD.finditer(text)]
    protected = {
        (token.start, token.end)
        for window, found in segments
        if found is not None
        for token in window
    }
    for size in range(min(MAX_PLACE_WORDS, len(words)), 0, -1):
        for first in (len(words) - size, 0):
            chosen = words[first : first + size]
            if any(span in protected for span, _word in chosen):
                continue
            before = [word for _span, word in words[:first]]
            start, end = chosen[0][0][0], chosen[-1][0][1]
            if text[end : end + 1] == ")":  # a label as displayed: « Lyon (69) »
                end += 1
            variants = [(text[start:end], start, before, None)]
            # « au Mans », « aux Sables-d'Olonne »: the article belongs to the name.
            article = {"au": "Le ", "aux": "Les "}.get(before[-1]) if before else None
            if article:
                variants.append(
                    (article + text[start:end], words[first - 1][0][0], before[:-1], article)
                )
            for variant, cut, words_before, prefix in variants:
                chosen_words = [word for _span, word in chosen]
                resolution = _place_named(variant, chosen_words, words_before, prefix)
                if resolution is not None:
                    return resolution, variant, _without_linking_words(text[:cut], text[end:])
    return None


def _place_named(text, words, before, article):
    """The Resolution of `text` if it names a place that may be taken from « Quoi ? »."""
    if not may_be_place(text):
        return None
    resolution = resolve(text, fuzzy=False)
    if not _named(resolution, text):
        return None
    if article or _DIGIT.search(text):  # « au Mans », « 69001 », « Lyon (69) »
        return resolution
    places = [resolution.territory] if resolution.territory else resolution.choices
    if any(
        place.level in (Level.REGION, Level.DEPARTEMENT) or (place.population or 0) >= SMALL_PLACE
        for place in places
    ):
        return resolution
    linked = bool(before) and (
        before[-1] in _BEFORE_A_PLACE or (len(before) > 1 and before[-2] == "pres")
    )
    if linked and not set(words) <= lexicon_words():
        return resolution
    return None


# A commune of fewer inhabitants may bear a common word's name: it needs « à » before it.
SMALL_PLACE = 20_000
_BEFORE_A_PLACE = frozenset(["a", "pres", "sur", "vers", "autour", "proche"])
_DIGIT = re.compile(r"\d")


# Words that link a need to its place (« … à Lyon », « … près de Lyon », « Lyon : … »).
_LINKING = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "dans",
        "sur",
        "pres",
        "proche",
        "vers",
        "autour",
        "l",
        "la",
        "le",
        "les",
    ]
)


def _without_linking_words(before, after):
    """The text around a place, without the words that tied it to the place."""
    before_words, after_words = before.split(), after.split()
    while before_words and fold(before_words[-1]) in _LINKING:
        before_words.pop()
    while after_words and fold(after_words[0]) in _LINKING:
        after_words.pop(0)
    return " ".join([*before_words, *after_words]).strip(" ,;:")


def _with_software(concepts):
    return [concept for concept in concepts or () if concept.software]


def _named(resolution, candidate):
    """Whether the text names the resolved place in full: exactly, or as the first words
    of its name (« Évry » for Évry-Courcouronnes, as « Où ? » reads it), not as the start
    of a word (« gestion » is not Gestiès)."""
    if resolution.exact:
        return bool(resolution.territory or resolution.choices)
    if resolution.territory is None:
        return False
    name, typed = resolution.territory.search_name, fold(candidate)
    return name.startswith(typed + " ")


def read_query(text, *, literal=False, with_place=False):
    """The `Reading` of `text`. `with_place`: also look for a place in it."""
    reading = Reading(text=text, rest=text)
    entries = {} if literal else lexicon()
    segments = _segments(_tokens(text, literal=literal)[:MAX_QUERY_TOKENS], entries)
    if with_place and not literal:
        found = find_place(text, segments)
        if found is not None:
            reading.place, reading.place_words, reading.rest = found
            segments = _segments(_tokens(reading.rest)[:MAX_QUERY_TOKENS], entries)
    remaining = []
    for window, concepts in segments:
        if concepts:
            typed = " ".join(token.word for token in window)
            reading.concepts.append(ConceptMatch(typed, concepts))
        else:  # a word, a name that stays literal, or a concept with no program yet
            remaining.extend(window)
    remaining = remaining[:MAX_QUERY_TOKENS]
    groups, widened = literal_groups([(token.stem, token.word) for token in remaining])
    words = []
    for group, token in zip(groups, remaining, strict=True):
        # A typo of a one-word concept (« factuation », « zoum ») reads as that concept.
        concepts = next(
            (found for term in group[1:] if (found := _with_software(entries.get((term,))))),
            None,
        )
        if concepts:
            reading.concepts.append(ConceptMatch(token.word, concepts))
        else:
            words.append((group, token))
    if reading.concepts:
        known = directory_words()
        reading.optional_groups = [
            group for group, token in words if len(group) == 1 and token.stem not in known
        ]
    groups = [group for group, _token in words if group not in reading.optional_groups]
    reading.token_groups, reading.widened = groups, widened
    return reading
