"""The publication lifecycle of a listing, and the one rule for what the public may see.

It lives here, below every app, because `offerings` (published providers per software)
and `providers` both apply it and `offerings` must not import `providers`.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    PENDING = "pending", _("En attente de validation")
    PUBLISHED = "published", _("Publié")
    ARCHIVED = "archived", _("Archivé")


def visible_publicly_q(prefix=""):
    """The one rule for what the public may see: published providers, except those
    hidden because their website has been unreachable for too long.

    `prefix` reaches a provider from another model, e.g. "provider__" on offerings.
    """
    return Q(**{f"{prefix}status": Status.PUBLISHED, f"{prefix}hidden_unreachable": False})
