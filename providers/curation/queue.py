"""The moderators' review queue: what waits for a decision, scoped to their clusters."""

from django.utils.translation import gettext as _

from providers.models import Provider, Report, ReportStatus, ReviewStatus, Revision, Status

from . import decisions
from .snapshots import diff, proposed_state


class DecisionError(Exception):
    """A decision that cannot be taken (unknown item, missing reason…)."""


def submissions(user):
    return (
        Provider.objects.editable_by(user)
        .filter(status=Status.PENDING, email_confirmed_at__isnull=False)
        .select_related("seat", "cluster")
        .prefetch_related("offerings__software", "offerings__service_kinds", "provenances")
        .order_by("email_confirmed_at", "pk")
    )


def _waiting(model, status, user):
    """Owners' revisions or error reports in `status`, on listings `user` curates."""
    return (
        model.objects.filter(status=status, provider__in=Provider.objects.editable_by(user))
        .select_related("provider__seat")
        .order_by("created_at", "pk")
    )


def revisions(user):
    return _waiting(Revision, ReviewStatus.PENDING, user)


def reports(user):
    return _waiting(Report, ReportStatus.OPEN, user)


# Items shown per section, oldest first: an import of a catalogue can bring thousands of
# drafts at once (1,977 made the page 2.6 MB and 1.9 s); the rest wait their turn.
SHOWN = 50


def moderation_queue(user):
    """The oldest SHOWN items of each section, and how many wait in all."""
    waiting = {
        "submissions": submissions(user),
        "revisions": revisions(user),
        "reports": reports(user),
    }
    pending_revisions = list(
        waiting["revisions"].prefetch_related(
            "provider__service_areas",
            "provider__labels",
            "provider__offerings__service_kinds",
        )[:SHOWN]
    )
    shown = {
        "submissions": list(waiting["submissions"][:SHOWN]),
        "revisions": [
            (revision, diff(revision.provider, proposed_state(revision.provider, revision.data)))
            for revision in pending_revisions
        ],
        "reports": list(waiting["reports"][:SHOWN]),
    }
    totals = {
        name: len(shown[name]) if len(shown[name]) < SHOWN else queryset.count()
        for name, queryset in waiting.items()
    }
    return {**shown, "totals": totals, "shown": SHOWN}


def count(user):
    return submissions(user).count() + revisions(user).count() + reports(user).count()


NEEDS_NOTE = {"reject", "changes"}


def decide(user, kind, pk, decision, note, version=None):
    """Take `decision` on item `pk` of `kind`; return the message to show."""
    if decision in NEEDS_NOTE and not note:
        raise DecisionError(_("Indiquez la raison : elle est envoyée au demandeur."))
    if kind == "submission":
        provider = submissions(user).filter(pk=pk).first()
        if provider is None:
            raise DecisionError(_("Cette demande n'existe pas ou ne relève pas de vos grappes."))
        actions = {
            "approve": lambda: decisions.approve_submission(provider, user, version),
            "reject": lambda: decisions.reject_submission(provider, user, note, version),
            "changes": lambda: decisions.request_submission_changes(provider, user, note, version),
        }
        label = provider.name
    elif kind == "revision":
        revision = revisions(user).filter(pk=pk).first()
        if revision is None:
            raise DecisionError(
                _(
                    "Cette proposition n'existe pas, est déjà traitée "
                    "ou ne relève pas de vos grappes."
                )
            )
        actions = {
            "approve": lambda: decisions.approve_revision(revision, user),
            "reject": lambda: decisions.reject_revision(revision, user, note),
            "changes": lambda: decisions.request_revision_changes(revision, user, note),
        }
        label = revision.provider.name
    elif kind == "report":
        report = reports(user).filter(pk=pk).first()
        if report is None:
            raise DecisionError(_("Ce signalement n'existe pas ou ne relève pas de vos grappes."))
        actions = {
            "resolved": lambda: decisions.close_report(report, user, ReportStatus.RESOLVED),
            "dismissed": lambda: decisions.close_report(report, user, ReportStatus.DISMISSED),
        }
        label = report.provider.name
    else:
        raise DecisionError(_("Élément inconnu."))
    if decision not in actions:
        raise DecisionError(_("Décision inconnue."))
    try:
        actions[decision]()
    except ValueError as error:
        raise DecisionError(str(error)) from error
    messages = {
        "approve": _("« %(name)s » : accepté."),
        "reject": _("« %(name)s » : refusé, le demandeur est prévenu."),
        "changes": _("« %(name)s » : modifications demandées, le demandeur est prévenu."),
        "resolved": _("Signalement sur « %(name)s » : corrigé."),
        "dismissed": _("Signalement sur « %(name)s » : classé sans suite."),
    }
    return messages[decision] % {"name": label}
