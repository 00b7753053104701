"""Keeping listings fresh: remind owners after a year, archive when nobody answers.

Safe to run every day: a listing is reminded once per verification period, and a
reminder is what starts the archive countdown.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from providers.models import Cluster, LinkPurpose, Provider, Status

from . import emails, links


@dataclass
class StaleReport:
    reminded: list = field(default_factory=list)
    without_email: list = field(default_factory=list)
    archived: list = field(default_factory=list)


def _change_each(queryset, change):
    """Run `change(provider)` on each provider of `queryset`, each in a transaction of its
    own, under a row lock and checked against `queryset` again once locked (an owner's
    confirmation may have just come in, or an overlapping run got there first).
    Yields (provider, what `change` returned), after each commit."""
    for candidate in queryset.values_list("pk", flat=True):
        with transaction.atomic():
            provider = queryset.select_for_update(of=("self",)).filter(pk=candidate).first()
            if provider is None:
                continue
            result = change(provider)
        yield provider, result


def remind_and_archive(now=None):
    now = now or timezone.now()
    archive_after = datetime.timedelta(days=settings.ARCHIVE_AFTER_REMINDER_DAYS)
    report = StaleReport()
    published = Provider.objects.filter(status=Status.PUBLISHED).select_related("seat", "cluster")

    # 1. Reminded long enough ago and still not confirmed: archive (never delete).
    unanswered = published.filter(reminded_at__lte=now - archive_after).filter(
        Q(last_verified_at__isnull=True) | Q(last_verified_at__lt=F("reminded_at"))
    )

    def archive(provider):
        provider.status = Status.ARCHIVED
        provider.save(update_fields=["status", "updated_at"])

    for provider, _nothing in _change_each(unanswered, archive):
        report.archived.append(provider)

    # 2. Not verified for a year and not reminded since: remind (once).
    due = published.stale(now).filter(
        Q(reminded_at__isnull=True) | Q(reminded_at__lt=F("last_verified_at"))
    )

    def remind(provider):
        """The countdown starts with the reminder in the outbox, in one transaction."""
        provider.reminded_at = now
        provider.save(update_fields=["reminded_at", "updated_at"])
        if not provider.email:
            return False
        return emails.send(
            "stale_reminder",
            [provider.email],
            provider=provider,
            link=links.issue(provider, LinkPurpose.STILL_ACCURATE, provider.email),
            days=settings.ARCHIVE_AFTER_REMINDER_DAYS,
        )

    for provider, reminded in _change_each(due, remind):
        (report.reminded if reminded else report.without_email).append(provider)

    _tell_clusters(report)
    return report


def _tell_clusters(report):
    """One message per cluster listing its archived listings and those without e-mail."""
    groups = defaultdict(lambda: {"archived": [], "without_email": []})
    for key in ("archived", "without_email"):
        for provider in getattr(report, key):
            cluster = provider.cluster or Cluster.objects.curating(provider).first()
            groups[cluster][key].append(provider)
    for cluster, lists in groups.items():
        emails.send(
            "cluster_stale",
            emails.cluster_contacts(cluster) or {settings.CONTACT_EMAIL},
            cluster=cluster,
            days=settings.ARCHIVE_AFTER_REMINDER_DAYS,
            **lists,
        )
