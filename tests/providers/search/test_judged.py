"""Every judged query (providers/search/judged_queries.toml) finds a relevant provider in
its first five results on the demo data, on PostgreSQL and on SQLite alike."""

import io

import pytest
from django.core.management import call_command

from providers.search.evaluation import evaluate, read_judgements, run, summary

pytestmark = pytest.mark.django_db
JUDGEMENTS = read_judgements()


def test_the_judged_set_is_large_and_covers_every_kind():
    assert len(JUDGEMENTS) >= 80
    kinds = {judgement.kind for judgement in JUDGEMENTS}
    assert kinds >= {"need", "category", "product", "misspelling", "need+place", "none"}


@pytest.mark.parametrize("judgement", JUDGEMENTS, ids=lambda judgement: judgement.q)
def test_judged_query_succeeds_at_5(demo_data, judgement):
    outcome = run(judgement)
    assert outcome.success_at_5, (
        f"{outcome.problem or 'rang ' + str(outcome.rank)} ; {outcome.count} résultats : "
        f"{outcome.results[:5]}"
    )


def test_the_command_prints_the_figures_per_kind(demo_data):
    out = io.StringIO()
    call_command("evaluate_search", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["type", "requêtes", "réussite@5", "RRM"]
    assert any(line.startswith("toutes") for line in lines)
    figures = summary(evaluate(JUDGEMENTS[:5]))
    assert set(figures) >= {"toutes"}
