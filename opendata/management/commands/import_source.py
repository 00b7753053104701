import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from opendata.source_imports import apply_source
from opendata.source_plans import count_decisions, plan_source
from opendata.sources import Source, SourceFileError, read_source
from providers.models import Cluster


class Command(BaseCommand):
    help = (
        "Importe les prestataires d'un catalogue national (SILL, CNLL, Comptoir du Libre) "
        "comme brouillons à valider, avec leur provenance. Affiche d'abord la décision prise "
        "pour chaque fiche ; --dry-run s'arrête là. Les personnes et les noms ambigus ne "
        "sont importés que nommés par --accept."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", choices=Source.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="N'écrit rien.")
        parser.add_argument(
            "--date",
            type=datetime.date.fromisoformat,
            help="Date du fichier (AAAA-MM-JJ) ; par défaut celle qu'il indique, sinon "
            "celle de sa dernière modification.",
        )
        parser.add_argument(
            "--cluster",
            help="Slug de la grappe des nouveaux brouillons ; par défaut « à classer ».",
        )
        parser.add_argument(
            "--accept",
            action="append",
            default=[],
            metavar="IDENTIFIANT",
            help="Importer quand même la fiche de cet identifiant (colonne « id » du "
            "rapport) malgré une question ; répétable.",
        )

    def handle(self, *args, source, file, dry_run, date, cluster, accept, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Lecture impossible de {file} : {error.strerror}") from None
        try:
            source_file = read_source(source, content)
        except SourceFileError as error:
            raise CommandError(str(error)) from None
        target = None
        if cluster:
            target = Cluster.objects.filter(slug=cluster).first()
            if target is None:
                raise CommandError(f"Grappe inconnue : {cluster}")
        file_date = date or source_file.date or datetime.date.fromtimestamp(file.stat().st_mtime)
        plans = plan_source(source_file, file_date=file_date, accept=set(accept))
        self.stdout.write(f"{Source(source).label}, fichier du {file_date:%d/%m/%Y} :")
        for plan in plans:
            self.stdout.write(f"[{plan.get_decision_display()}] {plan.name or '—'} ({plan.where})")
            if plan.key:
                self.stdout.write(f"    id : {plan.key}")
            for detail in plan.details():
                self.stdout.write(f"    {detail}")
        counts = count_decisions(plans)
        self.stdout.write(" ; ".join(f"{label} : {count}" for label, count in counts))
        if dry_run:
            self.stdout.write("Essai à blanc : rien n'a été écrit.")
            return
        result = apply_source(plans, source=source, file_date=file_date, cluster=target)
        self.stdout.write(self.style.SUCCESS(f"Import terminé : {result}."))
