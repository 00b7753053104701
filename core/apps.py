from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags (`{% load annuaire %}`); it has no models."""

    name = "core"
    verbose_name = "Outils communs"
