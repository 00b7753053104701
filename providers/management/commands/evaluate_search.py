from django.core.management.base import BaseCommand

from providers.search.evaluation import JUDGED_QUERIES, evaluate, read_judgements, summary


class Command(BaseCommand):
    help = (
        "Mesure la recherche sur les requêtes jugées (providers/search/judged_queries.toml) : "
        "réussite à 5 (un résultat pertinent parmi les cinq premiers) et rang réciproque moyen, "
        "par type de requête. À lancer sur les données de démonstration (make run)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", default=str(JUDGED_QUERIES))

    def handle(self, *args, file, **options):
        outcomes = evaluate(read_judgements(file))
        self.stdout.write(f"{'type':<14} {'requêtes':>8} {'réussite@5':>11} {'RRM':>6}")
        for kind, (count, success, mrr) in sorted(summary(outcomes).items()):
            self.stdout.write(f"{kind:<14} {count:>8} {success:>10.0%} {mrr:>6.2f}")
        failures = [outcome for outcome in outcomes if not outcome.success_at_5]
        for outcome in failures:
            self.stdout.write(
                f"ÉCHEC {outcome.judgement.kind} {outcome.judgement.label} : "
                f"{outcome.problem or 'rang ' + str(outcome.rank)} ; "
                f"{outcome.count} résultats : {', '.join(outcome.results[:5]) or '—'}"
            )
