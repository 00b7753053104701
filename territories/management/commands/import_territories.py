import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.pagecache import forget_pages
from territories.importer import TerritoryDataError, apply_dataset, read_archive
from territories.models import Level, forget_departement_choices

LABELS = {
    Level.REGION: "Régions",
    Level.DEPARTEMENT: "Départements",
    Level.EPCI: "Intercommunalités (EPCI)",
    Level.COMMUNE: "Communes",
}


class Command(BaseCommand):
    help = (
        "Charge ou met à jour les régions, départements, EPCI à fiscalité propre et communes "
        "depuis l'archive officielle fournie avec le projet (territories/data). Idempotent et "
        "atomique : une seconde exécution ne change rien, une erreur ne modifie rien."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--archive",
            default=str(settings.TERRITORIES_ARCHIVE),
            help="Archive npm @etalab/decoupage-administratif (.tgz). Par défaut : %(default)s",
        )
        parser.add_argument(
            "--points",
            default=str(settings.TERRITORY_POINTS),
            help="Points des communes (CSV gzip : code, latitude, longitude). "
            "Par défaut : %(default)s",
        )

    def handle(self, *args, archive, points, **options):
        started = time.monotonic()
        try:
            dataset = read_archive(archive, points=points)
        except TerritoryDataError as error:
            raise CommandError(f"Import annulé, aucune donnée modifiée : {error}") from error
        report = apply_dataset(dataset)
        for level, label in LABELS.items():
            counts = report.levels[level]
            self.stdout.write(
                f"{label} : {counts.total} "
                f"(créés {counts.created}, modifiés {counts.updated}, retirés {counts.retired})"
            )
        self.stdout.write(
            f"Codes postaux : +{report.postal_codes_added} −{report.postal_codes_removed} ; "
            f"anciens codes : +{report.aliases_added} ~{report.aliases_updated} "
            f"−{report.aliases_removed}"
        )
        missing = report.communes_without_point
        if missing:
            shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
            self.stdout.write(
                self.style.WARNING(
                    f"Communes sans point (pas de distance depuis ou vers elles) : "
                    f"{len(missing)} ({shown})"
                )
            )
        if report.changed:  # names, points: pages and choices drawn from them are stale
            forget_pages()
            forget_departement_choices()
        verdict = "Territoires à jour" if report.changed else "Aucun changement"
        self.stdout.write(self.style.SUCCESS(f"{verdict} ({time.monotonic() - started:.1f} s)."))
