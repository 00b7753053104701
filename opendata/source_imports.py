"""Carry out the plan of a catalogue's file (opendata.source_plans), all or nothing.

A creation is a listing waiting for a moderator (« en attente de validation », in the
moderation queue), never published: in the cluster the importer chose, or in none
(« à classer », seen by superusers) — the sources give no address, so its seat commune is
for a moderator to set before publishing. Each record leaves a `Provenance` (source, its
id or page there, the date of the file, the values it gave), and each change is in the
listing's history with the file it came from as the reason. What a record may only
propose becomes one revision per listing in the moderation queue.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.publication import Status
from offerings.models import Offering
from providers.models import CatalogueSource, Provenance, Provider, ReviewStatus, Revision
from providers.search.indexer import deferred_refresh

from .source_plans import Decision


@dataclass
class ImportResult:
    created: int = 0
    enriched: int = 0
    proposed: int = 0  # listings with a new revision to review
    unchanged: int = 0
    skipped: int = 0  # questions nobody answered, refusals

    def __str__(self):
        return (
            f"{self.created} brouillon(s) créé(s), {self.enriched} fiche(s) enrichie(s), "
            f"{self.proposed} proposition(s) de modification, {self.unchanged} inchangée(s), "
            f"{self.skipped} laissée(s) de côté"
        )


def origin_text(source, file_date):
    """« Import SILL, fichier du 30/11/2026 »: the reason in a listing's history."""
    return f"Import {CatalogueSource(source).label}, fichier du {file_date:%d/%m/%Y}"


def apply_source(plans, *, source, file_date, user=None, cluster=None):
    """Write `plans` (from `plan_source` with the same `file_date`); returns an
    `ImportResult`. `cluster`: where new drafts go (None: « à classer »)."""
    with transaction.atomic(), deferred_refresh():
        return _apply(plans, source, file_date, user, cluster)


def _apply(plans, source, file_date, user, cluster):
    result = ImportResult()
    reason = origin_text(source, file_date)
    listing_of = {}  # plan -> the listing it created or enriched
    proposals = {}  # listing pk -> (listing, {field: value}, [Software])
    for plan in plans:
        if plan.decision in (Decision.ASK, Decision.REFUSE):
            result.skipped += 1
            continue
        if plan.decision == Decision.UNCHANGED:
            result.unchanged += 1
            continue
        if plan.decision == Decision.CREATE:
            provider = Provider(
                status=Status.PENDING,
                cluster=cluster,
                email_confirmed_at=timezone.now(),  # brought by a moderator: in the queue
            )
            result.created += 1
        else:
            target = plan.provider or listing_of[plan.same_as]
            provider = Provider.objects.select_for_update().get(pk=target.pk)
            result.enriched += 1
        for name, value in plan.updates.items():
            setattr(provider, name, value)
        if plan.updates or provider.pk is None:
            provider._history_user = user
            provider._change_reason = reason
            provider.save()
        listing_of[plan] = provider
        for software in plan.new_software:
            if plan.decision == Decision.CREATE:  # a new listing has no offering yet
                Offering.objects.create(provider=provider, software=software)
            else:
                Offering.objects.get_or_create(provider=provider, software=software)
        if plan.proposals or plan.proposed_software:
            _, fields, programs = proposals.setdefault(provider.pk, (provider, {}, []))
            fields.update(plan.proposals)
            programs.extend(s for s in plan.proposed_software if s not in programs)
        _remember(plan, provider, source, file_date)
    for provider, fields, programs in proposals.values():
        _propose(provider, fields, programs, reason)
        result.proposed += 1
    return result


def _remember(plan, provider, source, file_date):
    """The record's provenance: created, or brought up to date with this file."""
    record = plan.record
    provenance = plan.provenance or Provenance(source=source)
    provenance.record_key = record.key  # a SIREN may have replaced the address as its id
    provenance.provider = provider
    provenance.record_url = record.url
    if provenance.pk is None or file_date >= provenance.file_date:
        provenance.file_date = file_date
    provenance.values = plan.values
    provenance.software = sorted(
        {*provenance.software, *(software.name for software in plan.software)}
    )
    provenance.imported_at = timezone.now()
    if plan.updates or plan.new_software:
        provenance.verified_at = None  # new data from the source: named until vouched for
    provenance.save()


def _propose(provider, fields, programs, origin):
    """One revision in the moderation queue with only what this source proposes (values
    for fields edited by hand, new programs, services left to choose), laid on the listing
    as it is when a moderator decides (`snapshots.proposed_state`). A proposal of the same
    source still waiting is folded into it, never lost."""
    data = {"partial": True, "fields": {}, "add_offerings": []}
    same_source = origin.split(",")[0] + ","
    pending = Revision.objects.select_for_update().filter(
        provider=provider, status=ReviewStatus.PENDING, origin__startswith=same_source
    )
    for earlier in pending.order_by("pk"):
        if earlier.data.get("partial"):
            data["fields"].update(earlier.data.get("fields", {}))
            data["add_offerings"].extend(
                pk
                for pk in earlier.data.get("add_offerings", [])
                if pk not in data["add_offerings"]
            )
    data["fields"].update(fields)
    data["add_offerings"].extend(
        software.pk for software in programs if software.pk not in data["add_offerings"]
    )
    pending.update(
        status=ReviewStatus.REJECTED,
        reviewed_at=timezone.now(),
        review_note="Remplacée par un import plus récent, qui reprend ses propositions.",
    )
    Revision.objects.create(provider=provider, data=data, origin=origin)
