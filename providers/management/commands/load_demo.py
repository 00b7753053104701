from django.core.management.base import BaseCommand, CommandError

from providers.demo.data import PROVIDERS
from providers.demo.loader import load_demo, remove_demo
from providers.demo.scale import scale_demo
from territories.models import Territory


class Command(BaseCommand):
    help = (
        "Charge le jeu de démonstration : logiciels libres réels, prestataires et grappes "
        "fictifs (marqués « démonstration »). Idempotent. --scale N ajoute des prestataires "
        "fictifs jusqu'à en compter N (mesures à l'échelle nationale). --remove supprime les "
        "fiches de démonstration sans toucher aux vraies."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--remove", action="store_true", help="Supprimer les données de démonstration."
        )
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            metavar="N",
            help="Compléter jusqu'à N prestataires fictifs (par exemple 20000).",
        )

    def handle(self, *args, remove, scale, **options):
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
        if scale:
            added = scale_demo(scale)
            if options["verbosity"]:
                message = f"Échelle : {added} prestataires fictifs ajoutés ({scale} en tout)."
                self.stdout.write(message)
