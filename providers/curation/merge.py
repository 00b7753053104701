"""Merging two listings of the same company into one."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.models import LISTING_FIELDS, Provider, ReviewStatus, SlugRedirect

# Listing fields not simply filled in from the removed listing when the kept one leaves
# them empty: the kept name and choice about new clients stand, the SIREN moves once the
# removed listing is gone (it is unique), the e-mail moves with its visibility, and
# "whole country" is true if either says so.
MERGED_BY_OWN_RULE = {
    "name",
    "siren",
    "email",
    "show_email",
    "accepts_new_clients",
    "serves_whole_country",
}


def merge(keep, remove, user):
    """Fold `remove` into `keep`: offerings (service kinds united), service areas,
    labels, reports, revisions and provenances move over, empty fields are filled, and the old
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
        for field in LISTING_FIELDS:
            if field not in MERGED_BY_OWN_RULE and not getattr(keep, field):
                setattr(keep, field, getattr(remove, field))
        if not keep.email and remove.email:  # the address and whether it is public go together
            keep.email, keep.show_email = remove.email, remove.show_email
        remove.reports.update(provider=keep)
        # Every source stays: a catalogue's record now describes the kept listing.
        remove.provenances.update(provider=keep)
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
