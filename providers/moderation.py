"""Moderation decisions: submissions, owners' revisions, reports, merges.

Every decision is one transaction: a failure half-way leaves the listing exactly
as it was. E-mails are sent after the transaction, from what was committed.
"""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from offerings.models import Offering, ServiceKind, Software
from territories.models import Territory

from . import emails, links
from .models import (
    Label,
    LinkPurpose,
    Provider,
    ReportStatus,
    ReviewStatus,
    Revision,
    SlugRedirect,
    Status,
)

# Fields an owner may change through a revision (the rest is the moderators' business).
EDITABLE_FIELDS = [
    "name",
    "siren",
    "description",
    "website",
    "email",
    "show_email",
    "phone",
    "address",
    "postal_code",
    "serves_whole_country",
    "workforce",
    "year_founded",
    "accepts_new_clients",
]


def queue_url():
    return reverse("admin:providers_moderation")


# Snapshots and diffs --------------------------------------------------------------


def snapshot(provider):
    """The editable state of `provider`, in the shape `Revision.data` uses."""
    return {
        "fields": {name: getattr(provider, name) for name in EDITABLE_FIELDS},
        "seat": provider.seat_id,
        "service_areas": sorted(area.pk for area in provider.service_areas.all()),
        "labels": sorted(label.pk for label in provider.labels.all()),
        "offerings": sorted(
            (
                {
                    "software": offering.software_id,
                    "service_kinds": sorted(kind.pk for kind in offering.service_kinds.all()),
                    "description": offering.description,
                }
                for offering in provider.offerings.all()
            ),
            key=lambda offering: offering["software"],
        ),
    }


def diff(provider, data):
    """[(label, current, proposed)] for every part the proposal changes, readable."""
    current = snapshot(provider)
    rows = []
    for name in EDITABLE_FIELDS:
        before, after = current["fields"].get(name), data["fields"].get(name)
        if before != after:
            field = Provider._meta.get_field(name)
            rows.append((str(field.verbose_name), _display(field, before), _display(field, after)))
    names = _names(current, data)
    if current["seat"] != data["seat"]:
        rows.append(
            (
                _("commune du siège"),
                names["t"].get(current["seat"], "—"),
                names["t"].get(data["seat"], "—"),
            )
        )
    for key, label, table in (
        ("service_areas", _("zones d'intervention"), "t"),
        ("labels", _("labels"), "l"),
    ):
        if current[key] != sorted(data[key]):
            rows.append((label, _join(names[table], current[key]), _join(names[table], data[key])))
    if current["offerings"] != sorted(data["offerings"], key=lambda o: o["software"]):
        rows.append(
            (
                _("offres"),
                _offerings_text(names, current["offerings"]),
                _offerings_text(names, data["offerings"]),
            )
        )
    return rows


def _display(field, value):
    if value in (None, ""):
        return "—"
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if field.choices:
        return dict(field.choices).get(value, value)
    return str(value)


def _names(*snapshots):
    territory_ids, label_ids, software_ids, kind_ids = set(), set(), set(), set()
    for data in snapshots:
        territory_ids.update([data["seat"], *data["service_areas"]])
        label_ids.update(data["labels"])
        for offering in data["offerings"]:
            software_ids.add(offering["software"])
            kind_ids.update(offering["service_kinds"])
    return {
        "t": {t.pk: str(t) for t in Territory.objects.filter(pk__in=territory_ids)},
        "l": dict(Label.objects.filter(pk__in=label_ids).values_list("pk", "name")),
        "s": dict(Software.objects.filter(pk__in=software_ids).values_list("pk", "name")),
        "k": dict(ServiceKind.objects.filter(pk__in=kind_ids).values_list("pk", "name")),
    }


def _join(names, ids):
    return ", ".join(sorted(names.get(pk, "?") for pk in ids)) or "—"


def _offerings_text(names, offerings):
    lines = []
    for offering in sorted(offerings, key=lambda o: names["s"].get(o["software"], "")):
        kinds = ", ".join(names["k"].get(pk, "?").lower() for pk in offering["service_kinds"])
        line = f"{names['s'].get(offering['software'], '?')} : {kinds}"
        if offering.get("description"):
            line += f" ({offering['description']})"
        lines.append(line)
    return "\n".join(lines) or "—"


# Applying data ---------------------------------------------------------------------


def apply_data(provider, data):
    """Write `data` (a snapshot-shaped dict) onto `provider`, offerings included."""
    for name in EDITABLE_FIELDS:
        if name in data["fields"]:
            setattr(provider, name, data["fields"][name])
    provider.seat_id = data["seat"]
    provider.full_clean(exclude=["slug"])
    provider.save()
    provider.service_areas.set(data["service_areas"])
    provider.labels.set(data["labels"])
    wanted = {offering["software"]: offering for offering in data["offerings"]}
    provider.offerings.exclude(software_id__in=wanted).delete()
    for software_id, values in wanted.items():
        offering, _created = Offering.objects.get_or_create(
            provider=provider, software_id=software_id
        )
        if offering.description != values.get("description", ""):
            offering.description = values.get("description", "")
            offering.save()
        offering.service_kinds.set(values["service_kinds"])


def mark_verified(provider):
    provider.last_verified_at = timezone.now()
    provider.reminded_at = None


# Submissions -----------------------------------------------------------------------


def _decide_submission(provider, user, change, **decision):
    """Lock the submission, apply `change(provider)`, record who, then tell the submitter."""
    with transaction.atomic():
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        change(provider)
        provider._history_user = user
        provider.save()
        if decision.get("changes"):
            decision["link"] = links.issue(provider, LinkPurpose.EDIT, provider.email)
            decision["hours"] = links.LIFETIME_HOURS[LinkPurpose.EDIT]()
    emails.send(
        "decision",
        [provider.email],
        provider=provider,
        what=_("Demande de référencement"),
        **decision,
    )
    return provider


def approve_submission(provider, user):
    def publish(provider):
        provider.status = Status.PUBLISHED
        provider.changes_requested_at = None
        mark_verified(provider)

    return _decide_submission(provider, user, publish, approved=True)


def reject_submission(provider, user, reason):
    def archive(provider):
        provider.status = Status.ARCHIVED

    return _decide_submission(provider, user, archive, approved=False, note=reason)


def request_submission_changes(provider, user, note):
    def mark(provider):
        provider.changes_requested_at = timezone.now()

    return _decide_submission(provider, user, mark, changes=True, note=note)


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


def _decide(revision, user, status, note=""):
    revision.status = status
    revision.reviewed_at = timezone.now()
    revision.reviewed_by = user
    revision.review_note = note
    revision.save()


def approve_revision(revision, user):
    """Apply an owner's proposal to the published listing, all or nothing."""
    with transaction.atomic():
        revision = Revision.objects.select_for_update().get(pk=revision.pk)
        if revision.status != ReviewStatus.PENDING:
            raise ValueError(_("Cette proposition a déjà été examinée."))
        provider = Provider.objects.select_for_update().get(pk=revision.provider_id)
        provider._history_user = user
        mark_verified(provider)
        apply_data(provider, revision.data)
        _decide(revision, user, ReviewStatus.APPROVED)
    emails.send(
        "decision",
        [revision.submitted_by_email],
        provider=provider,
        approved=True,
        what=_("Mise à jour"),
    )
    return revision


def reject_revision(revision, user, reason):
    with transaction.atomic():
        _decide(revision, user, ReviewStatus.REJECTED, reason)
    emails.send(
        "decision",
        [revision.submitted_by_email],
        provider=revision.provider,
        approved=False,
        note=reason,
        what=_("Mise à jour"),
    )
    return revision


def request_revision_changes(revision, user, note):
    with transaction.atomic():
        _decide(revision, user, ReviewStatus.CHANGES_REQUESTED, note)
        link = links.issue(revision.provider, LinkPurpose.EDIT, revision.submitted_by_email)
    emails.send(
        "decision",
        [revision.submitted_by_email],
        provider=revision.provider,
        changes=True,
        note=note,
        link=link,
        hours=links.LIFETIME_HOURS[LinkPurpose.EDIT](),
        what=_("Mise à jour"),
    )
    return revision


# Reports ---------------------------------------------------------------------------


def close_report(report, user, status=ReportStatus.RESOLVED):
    report.status = status
    report.handled_at = timezone.now()
    report.handled_by = user
    report.save()
    return report


# Merging duplicates ----------------------------------------------------------------


def merge(keep, remove, user):
    """Fold `remove` into `keep`: offerings (service kinds united), service areas,
    labels, reports and revisions move over, empty fields are filled, and the old
    address redirects to `keep`. `remove` is then deleted (its history stays)."""
    if keep.pk == remove.pk:
        raise ValueError(_("Choisissez deux fiches différentes."))
    with transaction.atomic():
        keep = Provider.objects.select_for_update().get(pk=keep.pk)
        remove = Provider.objects.select_for_update().get(pk=remove.pk)
        kept_offerings = {offering.software_id: offering for offering in keep.offerings.all()}
        for offering in remove.offerings.prefetch_related("service_kinds"):
            twin = kept_offerings.get(offering.software_id)
            if twin is None:
                offering.provider = keep
                offering.save()
            else:
                twin.service_kinds.add(*offering.service_kinds.all())
                if offering.description and offering.description not in twin.description:
                    parts = [twin.description, offering.description]
                    twin.description = "\n".join(part for part in parts if part)
                    twin.save()
        keep.service_areas.add(*remove.service_areas.all())
        keep.labels.add(*remove.labels.all())
        keep.serves_whole_country = keep.serves_whole_country or remove.serves_whole_country
        siren = remove.siren
        for field in (
            "description",
            "website",
            "phone",
            "address",
            "postal_code",
            "workforce",
            "year_founded",
        ):
            if not getattr(keep, field) and getattr(remove, field):
                setattr(keep, field, getattr(remove, field))
        if not keep.email and remove.email:  # the address and whether it is public go together
            keep.email, keep.show_email = remove.email, remove.show_email
        remove.reports.update(provider=keep)
        # Proposals for the removed listing describe it, not the kept one: close them.
        remove.revisions.filter(status=ReviewStatus.PENDING).update(
            status=ReviewStatus.REJECTED,
            reviewed_at=timezone.now(),
            reviewed_by=user,
            review_note=_("Fiche fusionnée dans une autre : proposition close."),
        )
        remove.revisions.update(provider=keep)
        SlugRedirect.objects.filter(provider=remove).update(provider=keep)
        old_slug = remove.slug
        remove._history_user = user
        remove.delete()
        if not keep.siren and siren:
            keep.siren = siren
        keep._history_user = user
        keep.save()
        SlugRedirect.objects.update_or_create(old_slug=old_slug, defaults={"provider": keep})
    return keep
