from django.core.management.base import BaseCommand

from providers.curation.staleness import remind_and_archive


class Command(BaseCommand):
    help = (
        "Relance les fiches non vérifiées depuis STALE_AFTER_DAYS jours (lien « toujours "
        "exact » envoyé au contact) et archive celles restées sans réponse "
        "ARCHIVE_AFTER_REMINDER_DAYS jours après la relance ; prévient les grappes. "
        "À lancer chaque jour (cron) : une fiche n'est relancée qu'une fois."
    )

    def handle(self, *args, **options):
        report = remind_and_archive()
        self.stdout.write(
            f"Relancées : {len(report.reminded)} ; sans adresse (grappe prévenue) : "
            f"{len(report.without_email)} ; archivées : {len(report.archived)}."
        )
