import logging

from django.apps import AppConfig
from django.conf import settings
from django_tasks_db.apps import TasksAppConfig

logger = logging.getLogger("annuaire")


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load annuaire %}`); it has no models."""

    name = "core"
    verbose_name = "Outils communs"
    default = True  # this module holds two configurations; "core" is this one

    def ready(self):
        backend = settings.CACHES["default"]["BACKEND"]
        if not settings.DEBUG and backend.endswith("LocMemCache"):
            logger.warning(
                "Cache local à chaque processus (CACHE_URL absent) : limites de requêtes et "
                "données de référence comptées par processus ; avec plusieurs processus ou "
                "serveurs, définissez CACHE_URL=redis://… (README, « Scaling »)."
            )


class MailOutboxConfig(TasksAppConfig):
    """django-tasks-db, the outbox of core/mail.py, named in French in the admin."""

    default = False
    verbose_name = "File d'envoi des e-mails"
