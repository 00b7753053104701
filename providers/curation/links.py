"""Magic links: single-purpose, expiring, single-use tokens sent by e-mail.

Only the SHA-256 of a token is stored, so a database leak gives no usable link.
A link is *used* by the POST that acts on it; opening it (GET) only shows a form,
so that mail scanners that follow links cannot spend it.
"""

import datetime
import hashlib
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from providers.models import LinkPurpose, MagicLink

URL_NAMES = {
    LinkPurpose.CONFIRM_SUBMISSION: "providers:confirm_submission",
    LinkPurpose.EDIT: "providers:owner_edit",
    LinkPurpose.STILL_ACCURATE: "providers:still_accurate",
}


# How long a link stays valid: (setting, hours per unit of that setting).
LIFETIMES = {
    LinkPurpose.CONFIRM_SUBMISSION: ("CONFIRM_LINK_HOURS", 1),
    LinkPurpose.EDIT: ("EDIT_LINK_HOURS", 1),
    # « Toujours exact »: valid until the listing would be archived for lack of an answer.
    LinkPurpose.STILL_ACCURATE: ("ARCHIVE_AFTER_REMINDER_DAYS", 24),
}


def lifetime_hours(purpose):
    """How long a link of `purpose` stays valid, in hours (settings read at each use)."""
    setting, hours = LIFETIMES[purpose]
    return getattr(settings, setting) * hours


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def issue(provider, purpose, email):
    """Create a link for `provider`; return its absolute URL (the token is in it)."""
    token = secrets.token_urlsafe(32)
    MagicLink.objects.create(
        token_hash=_hash(token),
        purpose=purpose,
        provider=provider,
        email=email,
        expires_at=timezone.now() + datetime.timedelta(hours=lifetime_hours(purpose)),
    )
    return settings.SITE_URL + reverse(URL_NAMES[purpose], args=[token])


def find(token, purpose):
    """The usable link for `token` and `purpose`, or None (unknown, expired, used)."""
    if not token or len(token) > 100:
        return None
    return (
        MagicLink.objects.usable()
        .select_related("provider__seat")
        .filter(token_hash=_hash(token), purpose=purpose)
        .first()
    )


def consume(link):
    """Mark `link` used; False if another request used it first (no replay)."""
    return bool(
        MagicLink.objects.filter(pk=link.pk, used_at__isnull=True).update(used_at=timezone.now())
    )
