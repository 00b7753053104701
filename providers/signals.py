"""Keep the providers' search fields in step with everything they are computed from."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from core.pagecache import forget_pages
from offerings.models import Need, Offering, ReplacedProduct, ServiceKind, Software
from territories.signals import territories_renamed

from .models import Cluster, Label, Provenance, Provider
from .search.filters import forget_reference_choices
from .search.indexer import refresh_names, refresh_search_documents
from .search.query import forget_vocabulary
from .search.understanding import forget_lexicon

# What the search documents are computed from, on the provider itself.
SEARCHED_FIELDS = {"name", "description", "seat", "seat_id"}


@receiver(post_save, sender=Provider)
def provider_saved(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or (update_fields is not None and not SEARCHED_FIELDS & set(update_fields)):
        return
    refresh_search_documents([instance.pk])


@receiver(m2m_changed, sender=Provider.labels.through)
def provider_labels_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if reverse and action == "pre_clear":  # label.providers.clear(): remember who had it
        instance._cleared_provider_ids = list(instance.providers.values_list("pk", flat=True))
    elif action in {"post_add", "post_remove", "post_clear"}:
        if not reverse:
            refresh_search_documents([instance.pk])
        elif action == "post_clear":
            refresh_search_documents(getattr(instance, "_cleared_provider_ids", []))
        else:  # label.providers.add(…): pk_set holds provider ids
            refresh_search_documents(list(pk_set))


def touch(provider_ids):
    """A provider's offerings are part of it: their changes date the provider too
    (its Last-Modified in the API). No signal, no history row."""
    Provider.objects.filter(pk__in=provider_ids).update(updated_at=timezone.now())


@receiver([post_save, post_delete], sender=Offering)
def offering_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        refresh_search_documents([instance.provider_id])
        touch([instance.provider_id])


@receiver(m2m_changed, sender=Offering.service_kinds.through)
def offering_kinds_changed(sender, instance, action, reverse, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        if reverse:
            ids = Provider.objects.filter(offerings__service_kinds=instance).values("pk")
        else:
            ids = [instance.provider_id]
            touch(ids)
        refresh_search_documents(ids)


@receiver(pre_save, sender=Software)
@receiver(pre_save, sender=ServiceKind)
@receiver(pre_save, sender=Label)
def remember_searched_name(sender, instance, raw=False, **kwargs):
    """Only a name is part of the providers' search documents: note the one stored."""
    if not raw and instance.pk is not None:
        instance._stored_name = (
            sender.objects.filter(pk=instance.pk).values_list("name", flat=True).first()
        )


@receiver(post_save, sender=Software)
@receiver(post_save, sender=ServiceKind)
@receiver(post_save, sender=Label)
def name_source_saved(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    """A software, service kind or label renamed: refresh the documents of its providers
    (a description, a category or a need changes none of them, and costs nothing)."""
    if raw or created or getattr(instance, "_stored_name", None) == instance.name:
        return
    if sender is Software:
        ids = Provider.objects.filter(offerings__software=instance).values("pk")
    elif sender is ServiceKind:
        ids = Provider.objects.filter(offerings__service_kinds=instance).values("pk")
    else:
        ids = Provider.objects.filter(labels=instance).values("pk")
    refresh_names(ids)


@receiver(territories_renamed)
def seats_renamed(sender, territory_ids, **kwargs):
    refresh_names(Provider.objects.filter(seat__in=territory_ids).values("pk"))


@receiver([post_save, post_delete], sender=Software)
@receiver([post_save, post_delete], sender=ServiceKind)
@receiver([post_save, post_delete], sender=Label)
def reference_data_changed(sender, **kwargs):
    forget_reference_choices()


@receiver([post_save, post_delete], sender=Need)
@receiver([post_save, post_delete], sender=ReplacedProduct)
@receiver([post_save, post_delete], sender=Software)
@receiver([post_save, post_delete], sender=ServiceKind)
@receiver([post_save, post_delete], sender=Label)
@receiver(m2m_changed, sender=Software.needs.through)
@receiver(m2m_changed, sender=Software.replaces.through)
def catalogue_changed(sender, **kwargs):
    """The search's lexicon (needs, products, categories, literal names) and its typo
    vocabulary follow, once the change is committed: forgotten earlier, another process
    could rebuild them from the rows as they were."""
    transaction.on_commit(forget_search_words)


def forget_search_words():
    forget_lexicon()
    forget_vocabulary()


@receiver([post_save, post_delete], sender=Provider)
@receiver([post_save, post_delete], sender=Offering)
@receiver([post_save, post_delete], sender=Cluster)
@receiver([post_save, post_delete], sender=Provenance)
@receiver([post_save, post_delete], sender=Need)
@receiver([post_save, post_delete], sender=ReplacedProduct)
@receiver([post_save, post_delete], sender=Software)
@receiver([post_save, post_delete], sender=ServiceKind)
@receiver([post_save, post_delete], sender=Label)
@receiver(m2m_changed, sender=Provider.labels.through)
@receiver(m2m_changed, sender=Provider.service_areas.through)
@receiver(m2m_changed, sender=Offering.service_kinds.through)
@receiver(m2m_changed, sender=Software.needs.through)
@receiver(m2m_changed, sender=Software.replaces.through)
@receiver(territories_renamed)
def public_pages_changed(sender, raw=False, **kwargs):
    """A listing, its offerings or what pages show of the catalogue changed: the rendered
    pages kept for anonymous visitors (core.pagecache) are forgotten now, for this
    transaction's own reads, and again once it is committed: in between, another process
    could have cached a page from the rows as they were."""
    if not raw:
        forget_pages()
        transaction.on_commit(forget_pages)
