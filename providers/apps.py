from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ProvidersConfig(AppConfig):
    name = "providers"
    verbose_name = _("Prestataires")

    def ready(self):
        from . import signals  # noqa: F401 (connects the receivers)
        from .curation.roles import ensure_moderator_group

        post_migrate.connect(ensure_moderator_group, sender=self)
