import time

from django.core.management.base import BaseCommand, CommandError

from providers.demo.dataset import DatasetRefused, generate_dataset, remove_dataset


class Command(BaseCommand):
    help = (
        "Écrit un jeu synthétique reproductible de N prestataires fictifs sur les vrais "
        "territoires et le catalogue de référence, pour le banc de mesure (make bench). "
        "Remplace le jeu synthétique précédent ; refuse une base qui contient de vraies "
        "fiches, sauf --force. --remove le supprime."
    )

    def add_arguments(self, parser):
        parser.add_argument("--providers", type=int, default=20_000, metavar="N")
        parser.add_argument("--seed", type=int, default=1, help="Même graine, mêmes fiches.")
        parser.add_argument(
            "--force", action="store_true", help="Écrire même si la base contient de vraies fiches."
        )
        parser.add_argument(
            "--remove", action="store_true", help="Supprimer le jeu synthétique et rien d'autre."
        )

    def handle(self, *args, providers, seed, force, remove, verbosity, **options):
        started = time.monotonic()
        if remove:
            removed = remove_dataset()
            if verbosity:
                self.stdout.write(
                    self.style.SUCCESS(f"Jeu synthétique supprimé ({removed} fiches).")
                )
            return
        if providers < 0:
            raise CommandError("--providers doit être positif.")
        try:
            written = generate_dataset(providers, seed=seed, force=force)
        except DatasetRefused as refusal:
            raise CommandError(str(refusal)) from refusal
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Jeu synthétique : {written} prestataires fictifs (graine {seed}) "
                    f"en {time.monotonic() - started:.0f} s."
                )
            )
