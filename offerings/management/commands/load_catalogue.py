from django.core.management.base import BaseCommand, CommandError

from offerings.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue


class Command(BaseCommand):
    help = (
        "Charge le catalogue de référence des logiciels libres (offerings/data/catalogue.toml) : "
        "besoins couverts, produits propriétaires remplacés, catégorie, licence, identifiants. "
        "Idempotent ; ne remplace jamais ce qu'un·e modérateur·rice a modifié depuis le "
        "dernier chargement."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", default=str(CATALOGUE_FILE), help="Fichier TOML. Par défaut : %(default)s"
        )

    def handle(self, *args, file, **options):
        try:
            report = load_catalogue(file)
        except CatalogueError as error:
            raise CommandError(str(error)) from None
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Catalogue : {report.created} logiciels créés, {report.updated} mis à jour, "
                    f"{report.unchanged} inchangés."
                )
            )
            for line in report.kept:
                self.stdout.write(f"Modification d'un·e modérateur·rice conservée — {line}")
            for line in report.conflicts:
                self.stderr.write(f"Identifiant non écrit — {line}")
