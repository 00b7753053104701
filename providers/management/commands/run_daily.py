import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

logger = logging.getLogger(__name__)

# Delivered mail carries links that expire within days: it is kept two days, for support;
# mail given up on stays a month, for an administrator to see in the admin.
PRUNE_OUTBOX = ["--min-age-days", "2", "--failed-min-age-days", "30"]


class Command(BaseCommand):
    help = (
        "Les tâches quotidiennes, l'une après l'autre : remind_stale, check_websites, puis "
        "le ménage des e-mails délivrés de la file d'envoi. Une tâche en échec n'empêche "
        "pas les suivantes ; la commande sort alors en erreur. compose.yaml la lance chaque "
        "jour (service « scheduler »)."
    )

    def handle(self, *args, **options):
        steps = [("remind_stale", []), ("check_websites", [])]
        if isinstance(task_backends["default"], DatabaseBackend):
            steps.append(("prune_db_task_results", PRUNE_OUTBOX))
        failed = []
        for name, arguments in steps:
            try:
                call_command(name, *arguments, stdout=self.stdout, stderr=self.stderr)
            except Exception:
                logger.exception("Daily task %s failed", name)
                failed.append(name)
        if failed:
            raise CommandError(f"En échec : {', '.join(failed)}.")
