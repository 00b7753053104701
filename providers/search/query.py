"""What people type in « Quoi ? »: token groups for `ProviderQuerySet.search`, with typos
on known names widened to what they may mean ("nexcloud" also looks for "nextcloud")."""

import re

from django.core.cache import cache

from core.text import fold, search_tokens
from offerings.models import ServiceKind, Software
from providers.models import Label, Provider

from .sql import PREFIX

_WORD = re.compile(r"\w+")
MAX_QUERY_TOKENS = 8
VOCABULARY_CACHE_KEY = "providers:search-vocabulary:v1"
VOCABULARY_TIMEOUT = 300


def vocabulary():
    """Names people misspell, as {stem: word as written}: software, service kinds,
    labels and the seat communes of published providers. Cached for a few minutes."""
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        names = [
            *Software.objects.values_list("name", flat=True),
            *ServiceKind.objects.values_list("name", flat=True),
            *Label.objects.values_list("name", flat=True),
            *Provider.objects.published().values_list("seat__name", flat=True).distinct(),
        ]
        words = {}
        for name in names:
            for word in _WORD.findall(name):
                for stem in search_tokens(word):
                    words.setdefault(stem, word)
        cache.set(VOCABULARY_CACHE_KEY, words, VOCABULARY_TIMEOUT)
    return words


def forget_vocabulary():
    cache.delete(VOCABULARY_CACHE_KEY)


def _edit_distance(a, b, limit):
    """Optimal string alignment distance, or limit + 1 when it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = char_a != char_b
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def widen(token, words):
    """Names `token` may be a typo of (empty when it already starts a known name)."""
    if len(token) < 4 or token.isdigit() or any(word.startswith(token) for word in words):
        return []
    limit = 1 if len(token) < 7 else 2
    return [word for word in words if _edit_distance(token, word, limit) <= limit]


def parse_query(text):
    """Token groups for `text`, and the widenings applied as {typed word: [meant, …]}.

    A word the stemmer left whole may be unfinished, so it matches as a prefix
    ("nextcl", "dolibar"); a word it shortened is complete and matches its stem
    exactly ("sites" → "sit", which must not find "situé").
    """
    typed = {}
    for word in _WORD.findall(text):
        for stem in search_tokens(word):
            typed.setdefault(stem, word)
    tokens = search_tokens(text)[:MAX_QUERY_TOKENS]
    words = vocabulary() if tokens else {}
    groups, widened = [], {}
    for token in tokens:
        alternatives = widen(token, words)
        if alternatives:
            widened[typed.get(token, token)] = [words[stem] for stem in alternatives]
        whole_word = fold(typed.get(token, token)) == token
        groups.append([f"{token}{PREFIX}" if whole_word else token, *alternatives])
    return groups, widened
