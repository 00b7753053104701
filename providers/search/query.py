"""What people type in « Quoi ? »: token groups for `ProviderQuerySet.search`, with typos
on known names widened to what they may mean ("nexcloud" also looks for "nextcloud")."""

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

from core.shared import forget, shared
from core.text import fold, search_tokens
from offerings.models import (
    CATEGORY_ALIASES,
    Need,
    ReplacedProduct,
    ServiceKind,
    Software,
    SoftwareCategory,
    lines,
)
from providers.models import Label, Provider

from .sql import PREFIX

_WORD = re.compile(r"\w+")
MAX_QUERY_TOKENS = 8
VOCABULARY_KEY = "providers:search-vocabulary:v2"
DIRECTORY_WORDS_KEY = "providers:search-directory-words:v1"
VOCABULARY_TIMEOUT = 300


def directory_words():
    """Names the stored documents hold, as {stem: word as written}: software, service
    kinds, labels and the seat communes of published providers (shared, see core.shared)."""
    return shared(DIRECTORY_WORDS_KEY, _build_directory_words, VOCABULARY_TIMEOUT)


def _build_directory_words():
    return _stems_of(
        [
            *Software.objects.values_list("name", flat=True),
            *ServiceKind.objects.values_list("name", flat=True),
            *Label.objects.values_list("name", flat=True),
            *Provider.objects.published().values_list("seat__name", flat=True).distinct(),
        ]
    )


def vocabulary():
    """Names people type and misspell: the directory's words, and those of the needs,
    replaced products and categories of the catalogue (shared, see core.shared)."""
    return shared(VOCABULARY_KEY, _build_vocabulary, VOCABULARY_TIMEOUT)


def _build_vocabulary():
    names = [
        *(str(label) for label in SoftwareCategory.labels),
        *(alias for aliases in CATEGORY_ALIASES.values() for alias in aliases),
    ]
    for model in (Need, ReplacedProduct):
        for name, aliases in model.objects.values_list("name", "aliases"):
            names += [name, *lines(aliases)]
    return {**_stems_of(names), **directory_words()}


def _stems_of(names):
    words = {}
    for name in names:
        for word in _WORD.findall(name):
            for stem in search_tokens(word):
                words.setdefault(stem, word)
    return words


def forget_vocabulary():
    forget(VOCABULARY_KEY, DIRECTORY_WORDS_KEY)


def widen(token, words):
    """Names `token` may be a typo of (empty when it already starts a known name): those
    within one edit (tokens under 7 letters) or two, a swap of neighbours counting as one
    (optimal string alignment), in the vocabulary's order."""
    if len(token) < 4 or token.isdigit() or any(word.startswith(token) for word in words):
        return []
    limit = 1 if len(token) < 7 else 2
    matches = process.extract(
        token, list(words), scorer=OSA.distance, score_cutoff=limit, limit=None
    )
    return [word for word, _distance, _index in sorted(matches, key=lambda match: match[2])]


def literal_groups(items):
    """Token groups for `items`, [(stem, word as typed)…], and the widenings applied as
    {typed word: [meant, …]}.

    A word the stemmer left whole may be unfinished, so it matches as a prefix
    ("nextcl", "dolibar"), unless it is a whole known name: « Word » is not WordPress,
    « Teams » not TeamSpeak. A word the stemmer shortened is complete and matches its
    stem exactly ("sites" → "sit", which must not find "situé"), unless that stem is no
    known name but starts one ("wordpres" → "wordpr", the start of WordPress).
    """
    words = vocabulary() if items else {}
    groups, widened = [], {}
    for token, typed in items:
        alternatives = widen(token, words)
        if alternatives:
            widened[typed] = [words[stem] for stem in alternatives]
        # A stem that is no known name but starts one is unfinished too (« wordpres »).
        unfinished = token not in words and (
            fold(typed) == token or any(word.startswith(token) for word in words)
        )
        groups.append([f"{token}{PREFIX}" if unfinished else token, *alternatives])
    return groups, widened
