"""Measuring the search against judged queries (providers/search/judged_queries.toml).

Each judged query says what a good answer contains: providers offering one of some
programs (`software`), named providers (`providers`), the place that must be read from
the text (`place`), or nothing at all (`none = true`). A query is run exactly as the
search page runs it (ProviderFilterSet, same order), and scored by:

- success at 5: a relevant provider among the first five results (for `none`: no result);
- reciprocal rank: 1 / the rank of the first relevant provider (0 if none in the first 10).

`manage.py evaluate_search` prints both per kind of query; the tests hold every query.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.http import QueryDict

from .filters import ProviderFilterSet

JUDGED_QUERIES = Path(__file__).resolve().parent / "judged_queries.toml"
DEPTH = 10


@dataclass
class Judgement:
    q: str
    kind: str
    ou: str = ""
    software: list = field(default_factory=list)
    providers: list = field(default_factory=list)
    place: str = ""
    none: bool = False
    note: str = ""

    @property
    def label(self):
        return f"{self.q!r}" + (f" (ou={self.ou!r})" if self.ou else "")


@dataclass
class Outcome:
    judgement: Judgement
    results: list  # provider names, best first (DEPTH at most)
    count: int
    rank: int | None  # 1-based rank of the first relevant result
    place: str = ""
    problem: str = ""

    @property
    def success_at_5(self):
        return not self.problem and self.rank is not None and self.rank <= 5

    @property
    def reciprocal_rank(self):
        return 0.0 if self.problem or self.rank is None else 1 / self.rank


def read_judgements(path=JUDGED_QUERIES):
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    return [Judgement(**entry) for entry in data["query"]]


def run(judgement):
    """Run one judged query as the search page would, and score it."""
    params = QueryDict(mutable=True)
    params["q"] = judgement.q
    if judgement.ou:
        params["ou"] = judgement.ou
    filterset = ProviderFilterSet(params)
    providers = list(filterset.qs.with_offerings()[:DEPTH])
    count = filterset.qs.count()
    understood = filterset.understanding() or {}
    place = str(understood.get("place") or "")
    outcome = Outcome(judgement, [p.name for p in providers], count, None, place)
    if judgement.place and place != judgement.place:
        outcome.problem = f"lieu compris {place or 'aucun'!r}, attendu {judgement.place!r}"
    if judgement.none:
        outcome.rank = 1 if count == 0 else None
        return outcome
    for rank, provider in enumerate(providers, start=1):
        offered = {offering.software.slug for offering in provider.offerings.all()}
        if provider.name in judgement.providers or offered & set(judgement.software):
            outcome.rank = rank
            break
    return outcome


def evaluate(judgements):
    return [run(judgement) for judgement in judgements]


def summary(outcomes):
    """{kind: (queries, success at 5, mean reciprocal rank)}, and "toutes" for all."""
    by_kind = {}
    for outcome in outcomes:
        by_kind.setdefault(outcome.judgement.kind, []).append(outcome)
    by_kind["toutes"] = list(outcomes)
    return {
        kind: (
            len(items),
            sum(item.success_at_5 for item in items) / len(items),
            sum(item.reciprocal_rank for item in items) / len(items),
        )
        for kind, items in by_kind.items()
        if items
    }
