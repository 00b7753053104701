"""Full-text search over providers, with the same results on PostgreSQL and SQLite.

Each provider stores its searchable text as folded, French-stemmed tokens (see
`annuaire.text.search_tokens`), in three weighted parts plus their union:

- `search_names`  (weight 10): provider name, names of the software it offers;
- `search_topics` (weight 4):  service kinds, labels, seat commune;
- `search_text`   (weight 1):  description, offering descriptions;
- `search_document`: every token, used to filter.

A query matches when each of its tokens is a prefix of a document token
("nextcl" finds Nextcloud, "formations" finds "formation"). PostgreSQL answers
through a GIN index on `to_tsvector('simple', search_document)` with prefix
`tsquery`s; SQLite through `LIKE '% token%'`. Relevance is computed by the same
SQL expression on both. Typos on software, service, label and place names are
tolerated by widening a query token to the close names it might mean
("nexcloud" also looks for "nextcloud").
"""

import re
import threading
from contextlib import contextmanager

from django.core.cache import cache
from django.db import connections
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

from annuaire.text import fold, search_tokens

_WORD = re.compile(r"\w+")

WEIGHTS = {"search_names": 10, "search_topics": 4, "search_text": 1}
MAX_QUERY_TOKENS = 8
PREFIX = "*"  # marks a query term matched as a token prefix
VOCABULARY_CACHE_KEY = "providers:search-vocabulary:v1"
VOCABULARY_TIMEOUT = 300


def _as_field(tokens):
    """Tokens stored space-delimited, with a leading space so " tok" marks a token start."""
    return f" {' '.join(tokens)} " if tokens else ""


def document_fields(provider):
    """The search fields of `provider`, from prefetched offerings, labels and seat."""
    offerings = list(provider.offerings.all())
    names = search_tokens(
        " ".join([provider.name, *(offering.software.name for offering in offerings)])
    )
    topics = search_tokens(
        " ".join(
            [
                *(kind.name for offering in offerings for kind in offering.service_kinds.all()),
                *(label.name for label in provider.labels.all()),
                provider.seat.name if provider.seat_id else "",
            ]
        )
    )
    text = search_tokens(
        " ".join([provider.description, *(offering.description for offering in offerings)])
    )
    return {
        "search_names": _as_field(names),
        "search_topics": _as_field(topics),
        "search_text": _as_field(text),
        "search_document": _as_field(list(dict.fromkeys(names + topics + text))),
    }


_deferred = threading.local()


@contextmanager
def deferred_refresh():
    """Within this block, search fields are refreshed once at the end, for every provider
    touched, instead of after each save (bulk loads: the demo, imports)."""
    if getattr(_deferred, "ids", None) is not None:  # already deferring: the outer block refreshes
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids, _deferred.ids = _deferred.ids, None
        if ids:
            refresh_search_documents(list(ids))
    finally:
        _deferred.ids = None


def refresh_search_documents(provider_ids):
    """Recompute the stored search fields of these providers (one read, one bulk write)."""
    pending = getattr(_deferred, "ids", None)
    if pending is not None:
        if not isinstance(provider_ids, list | tuple | set):
            provider_ids = list(provider_ids.values_list("pk", flat=True))
        pending.update(provider_ids)
        return 0
    from .models import Provider

    providers = (
        Provider.objects.filter(pk__in=provider_ids)
        .select_related("seat")
        .prefetch_related("labels")
        .with_offerings()
    )
    changed = []
    for provider in providers:
        fields = document_fields(provider)
        if any(getattr(provider, name) != value for name, value in fields.items()):
            for name, value in fields.items():
                setattr(provider, name, value)
            changed.append(provider)
    Provider.objects.bulk_update(changed, [*WEIGHTS, "search_document"], batch_size=500)
    cache.delete(VOCABULARY_CACHE_KEY)
    return len(changed)


class TsMatch(Func):
    """`to_tsvector('simple', search_document) @@ to_tsquery('simple', …)`, the exact
    expression of the GIN index created by migration providers 0002."""

    template = (
        "to_tsvector('simple'::regconfig, %(expressions)s) "
        "@@ to_tsquery('simple'::regconfig, %(query)s)"
    )
    output_field = BooleanField()

    def __init__(self, query, **extra):
        super().__init__(F("search_document"), **extra)
        self.query = query

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = super().as_sql(compiler, connection, query="%s", **extra_context)
        return sql, (*params, self.query)


def _contains(term):
    """The LIKE pattern of `term` in a space-delimited document: "tok*" is a prefix
    (" tok"), "tok" a whole token (" tok ")."""
    return f" {term[:-1]}" if term.endswith(PREFIX) else f" {term} "


def _tsquery(term):
    return f"{term[:-1]}:*" if term.endswith(PREFIX) else term


def text_condition(token_groups, vendor):
    """A filter matching providers whose document contains every group.

    A group is a list of alternatives for one query token (the token and the
    names a typo may stand for); any alternative matches, as a whole token or,
    marked with a final "*", as a token prefix.
    """
    if vendor == "postgresql":
        query = " & ".join(
            "(" + " | ".join(_tsquery(term) for term in group) + ")" for group in token_groups
        )
        return TsMatch(query)
    condition = Q()
    for group in token_groups:
        any_alternative = Q()
        for term in group:
            any_alternative |= Q(search_document__contains=_contains(term))
        condition &= any_alternative
    return condition


def relevance(token_groups):
    """Weighted count of the fields where each group matches; same SQL on both databases."""
    score = Value(0)
    for group in token_groups:
        for field, weight in WEIGHTS.items():
            matches = Q()
            for term in group:
                matches |= Q(**{f"{field}__contains": _contains(term)})
            score = score + Case(When(matches, then=Value(weight)), default=Value(0))
    return Coalesce(score, Value(0), output_field=IntegerField())


def vocabulary():
    """Names people misspell, as {stem: word as written}: software, service kinds,
    labels and the seat communes of published providers. Cached for a few minutes."""
    words = cache.get(VOCABULARY_CACHE_KEY)
    if words is None:
        from offerings.models import ServiceKind, Software

        from .models import Label, Provider

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


def database_vendor(queryset):
    return connections[queryset.db].vendor
