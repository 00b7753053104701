"""Moderation decisions on submissions, owners' revisions and error reports.

Every decision is one transaction, under a row lock, on an item checked again once
locked: a failure half-way leaves the listing exactly as it was, and of two moderators
deciding at once the second is refused. E-mails are sent after the transaction, from
what was committed.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.models import (
    LinkPurpose,
    Provider,
    Report,
    ReportStatus,
    ReviewStatus,
    Revision,
    Status,
)

from . import emails, links
from .snapshots import apply_data, proposed_state


def queue_url():
    return reverse("admin:providers_moderation")


# Submissions -----------------------------------------------------------------------


def _decide_submission(provider, user, change, version=None, **decision):
    """Lock the submission, check it still waits as the moderator saw it (`version`),
    apply `change(provider)`, record who, then tell the submitter."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        if provider.status != Status.PENDING:
            raise ValueError(_("Cette demande a déjà été traitée."))
        if version is not None and version != provider.version:
            raise ValueError(
                _("« %(name)s » a été modifiée depuis son affichage : relisez-la.")
                % {"name": provider.name}
            )
        change(provider)
        provider._history_user = user
        provider.save()
        if decision.get("changes"):
            decision["link"] = links.issue(provider, LinkPurpose.EDIT, provider.email)
            decision["hours"] = links.lifetime_hours(LinkPurpose.EDIT)
        emails.send(
            "decision",
            [provider.email],
            provider=provider,
            what=_("Demande de référencement"),
            **decision,
        )
    return provider


def approve_submission(provider, user, version=None):
    def publish(provider):
        if provider.seat_id is None:
            raise ValueError(
                _(
                    "« %(name)s » n'a pas de commune du siège (fiche importée à classer) : "
                    "indiquez-la dans la fiche avant de l'accepter."
                )
                % {"name": provider.name}
            )
        provider.status = Status.PUBLISHED
        provider.changes_requested_at = None
        provider.mark_verified()

    return _decide_submission(provider, user, publish, version, approved=True)


def reject_submission(provider, user, reason, version=None):
    def archive(provider):
        provider.status = Status.ARCHIVED

    return _decide_submission(provider, user, archive, version, approved=False, note=reason)


def request_submission_changes(provider, user, note, version=None):
    if not provider.email:
        raise ValueError(
            _(
                "« %(name)s » n'a pas d'adresse e-mail (fiche importée) : personne à qui "
                "demander des modifications. Complétez la fiche vous-même, ou refusez-la."
            )
            % {"name": provider.name}
        )

    def mark(provider):
        provider.changes_requested_at = timezone.now()

    return _decide_submission(provider, user, mark, version, changes=True, note=note)


# Revisions -------------------------------------------------------------------------


def propose_revision(provider, data, email):
    """An owner's proposal. Older pending proposals of the listing are superseded."""
    with transaction.atomic():
        Revision.objects.filter(provider=provider, status=ReviewStatus.PENDING).update(
            status=ReviewStatus.REJECTED,
            reviewed_at=timezone.now(),
            review_note=_("Remplacée par une proposition plus récente."),
        )
        revision = Revision.objects.create(provider=provider, data=data, submitted_by_email=email)
        emails.send("revision_ack", [email], provider=provider)
        emails.notify_moderators(provider, "moderators_new_revision", queue_url=queue_url())
    return revision


def _decide_revision(revision, user, status, note="", change=None, **decision):
    """Lock the revision, check it still waits, run `change(revision)` (which may return
    more for the e-mail) and record the decision; then tell whoever proposed it."""
    with transaction.atomic():
        revision = Revision.objects.select_for_update().get(pk=revision.pk)
        if revision.status != ReviewStatus.PENDING:
            raise ValueError(_("Cette proposition a déjà été examinée."))
        if change is not None:
            decision.update(change(revision) or {})
        revision.status = status
        revision.reviewed_at = timezone.now()
        revision.reviewed_by = user
        revision.review_note = note
        revision.save()
        emails.send(
            "decision",
            [revision.submitted_by_email],  # none for an import's proposal
            provider=revision.provider,
            what=_("Mise à jour"),
            note=note,
            **decision,
        )
    return revision


def approve_revision(revision, user):
    """Apply an owner's proposal to the published listing, all or nothing."""

    def apply(revision):
        provider = Provider.objects.select_for_update().get(pk=revision.provider_id)
        provider._history_user = user
        provider.mark_verified()
        apply_data(provider, proposed_state(provider, revision.data))
        if not revision.origin:  # the owner's own proposal: they vouched for the listing
            provider.provenances.verify()
        revision.provider = provider

    return _decide_revision(revision, user, ReviewStatus.APPROVED, change=apply, approved=True)


def reject_revision(revision, user, reason):
    return _decide_revision(revision, user, ReviewStatus.REJECTED, reason, approved=False)


def request_revision_changes(revision, user, note):
    if not revision.submitted_by_email:
        raise ValueError(
            _(
                "Cette proposition vient d'un import (%(origin)s) : personne à qui demander "
                "des modifications. Acceptez-la puis corrigez la fiche, ou refusez-la."
            )
            % {"origin": revision.origin}
        )

    def new_link(revision):
        link = links.issue(revision.provider, LinkPurpose.EDIT, revision.submitted_by_email)
        return {"link": link, "hours": links.lifetime_hours(LinkPurpose.EDIT)}

    return _decide_revision(
        revision, user, ReviewStatus.CHANGES_REQUESTED, note, change=new_link, changes=True
    )


# Reports ---------------------------------------------------------------------------


def close_report(report, user, status=ReportStatus.RESOLVED):
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.status != ReportStatus.OPEN:
            raise ValueError(_("Ce signalement a déjà été traité."))
        report.status = status
        report.handled_at = timezone.now()
        report.handled_by = user
        report.save()
    return report
