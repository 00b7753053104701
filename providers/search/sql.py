"""The SQL that matches and ranks stored search documents, identical in effect on
PostgreSQL (GIN index, `tsquery`) and SQLite (`LIKE`). No model is imported here:
`ProviderQuerySet.search` builds on it."""

from django.db import connections
from django.db.models import BooleanField, Case, F, Func, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce

WEIGHTS = {"search_names": 10, "search_topics": 4, "search_text": 1}
PREFIX = "*"  # marks a query term matched as a token prefix


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


def database_vendor(queryset):
    return connections[queryset.db].vendor
