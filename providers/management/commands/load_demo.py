from django.core.management.base import BaseCommand, CommandError

from providers.demo.data import PROVIDERS
from providers.demo.loader import load_demo, remove_demo
from territories.models import Territory


class Command(BaseCommand):
    help = (
        "Charge le jeu de démonstration : logiciels libres réels, prestataires et grappes "
        "fictifs (marqués « démonstration »). Idempotent. --remove supprime les fiches de "
        "démonstration sans toucher aux vraies. Pour mesurer à l'échelle nationale : "
        "generate_dataset."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove", action="store_true", help="Supprimer les données de démonstration."
        )

    def handle(self, *args, remove, **options):
        if remove:
            deleted = remove_demo()
            if options["verbosity"]:
                message = f"Données de démonstration supprimées ({deleted} lignes)."
                self.stdout.write(self.style.SUCCESS(message))
            return
        if not Territory.objects.communes().exists():
            raise CommandError(
                "Aucun territoire chargé : lancez d'abord « python manage.py import_territories »."
            )
        report = load_demo()
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Démonstration : {len(PROVIDERS)} prestataires fictifs "
                    f"({report.created} créés, {report.updated} mis à jour)."
                )
            )
