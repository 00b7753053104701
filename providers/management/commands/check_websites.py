from django.conf import settings
from django.core.management.base import BaseCommand

from providers.curation.liveness import check_all


class Command(BaseCommand):
    help = (
        "Vérifie que le site web de chaque fiche publiée répond (délai, redirections et "
        "parallélisme bornés). Après WEBSITE_FLAG_AFTER_DAYS jours d'échec, la fiche est "
        "signalée dans l'administration et son contact prévenu ; après "
        "WEBSITE_HIDE_AFTER_DAYS jours, elle est masquée jusqu'à ce que le site réponde. "
        "À lancer une fois par jour (cron)."
    )

    def handle(self, *args, **options):
        report = check_all()
        self.stdout.write(
            f"Sites vérifiés : {report.checked} ; en échec : {len(report.failing)} ; "
            f"nouvellement signalés : {len(report.flagged)} "
            f"(seuil {settings.WEBSITE_FLAG_AFTER_DAYS} jours) ; "
            f"masqués : {len(report.hidden)} ; rétablis : {len(report.recovered)}."
        )
