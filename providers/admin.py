"""The admin's ModelAdmins for providers, clusters, labels, offerings and the records of
curation. Providers and what belongs to them (offerings, revisions, reports, old
addresses) are scoped to the user's clusters by `ProviderQuerySet.editable_by`, clusters
by `ClusterQuerySet.curated_by`; labels are shared by everyone. The moderators' own pages
(queue, import, merge) are in curation/admin_views.py."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from core.admin_mixins import ReadOnlyHistoryMixin, ScopedAdminMixin, SharedSlugAdminMixin
from core.text import fold
from offerings.models import Offering
from territories.models import Territory

from .admin_filters import (
    ClusterFilter,
    ProvenanceFilter,
    ProviderRegionFilter,
    ServiceKindFilter,
    SoftwareFilter,
    StalenessFilter,
    WebsiteFilter,
)
from .curation.admin_views import CurationAdminMixin
from .curation.snapshots import diff, proposed_state
from .models import (
    Cluster,
    Label,
    Provenance,
    Provider,
    Report,
    Revision,
    SlugRedirect,
    Status,
    within_scope,
)


class ProviderScopedAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The admin of records that belong to a provider: the user's providers' only."""

    def scope(self, request, queryset):
        return queryset.filter(provider__in=Provider.objects.editable_by(request.user))


class OfferingInline(admin.TabularInline):
    model = Offering
    extra = 1
    fields = ["software", "service_kinds", "description"]
    autocomplete_fields = ["software"]
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("software")
            .prefetch_related("service_kinds")
        )


class ProviderAdminForm(forms.ModelForm):
    """Refuses a change that would take the provider out of the moderator's clusters."""

    def clean(self):
        cleaned = super().clean()
        if not within_scope(self.current_user, cleaned.get("cluster"), cleaned.get("seat")):
            raise forms.ValidationError(
                _(
                    "Ce prestataire sortirait de votre périmètre : choisissez l'une de vos "
                    "grappes ou une commune de siège située dans leurs régions."
                )
            )
        return cleaned


@admin.register(Provider)
class ProviderAdmin(ReadOnlyHistoryMixin, ScopedAdminMixin, CurationAdminMixin, SimpleHistoryAdmin):
    form = ProviderAdminForm
    list_display = [
        "name",
        "seat",
        "region",
        "cluster",
        "status",
        "website_state",
        "accepts_new_clients",
        "last_verified_at",
        "updated_at",
    ]
    list_select_related = ["seat__region", "cluster"]
    list_filter = [
        "status",
        ClusterFilter,
        ProviderRegionFilter,
        SoftwareFilter,
        ServiceKindFilter,
        WebsiteFilter,
        StalenessFilter,
        ProvenanceFilter,
        "accepts_new_clients",
        "serves_whole_country",
        "workforce",
    ]
    search_fields = ["name", "siren", "website", "email"]
    search_help_text = _("Nom, SIREN, site web, e-mail ou commune du siège.")
    autocomplete_fields = ["seat", "service_areas"]
    filter_horizontal = ["labels"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "published_at",
        "email_confirmed_at",
        "reminded_at",
        "website_report",
        "sources_report",
    ]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OfferingInline]
    actions = ["publish", "archive", "verify_imported", "merge"]
    list_per_page = 50
    history_list_display = ["status"]
    fieldsets = [
        (
            _("Identité"),
            {
                "fields": [
                    "name",
                    "slug",
                    "siren",
                    "description",
                    "website",
                    "email",
                    "show_email",
                    "phone",
                ]
            },
        ),
        (
            _("Siège"),
            {
                "fields": ["address", "postal_code", "seat", ("latitude", "longitude")],
                "description": _(
                    "Les distances et les cartes partent du point de la commune du siège (sa "
                    "mairie). Une position précise (degrés décimaux, par exemple 48.6237 et "
                    "2.4295) la remplace, pour une agence éloignée de la mairie."
                ),
            },
        ),
        (_("Zones d'intervention"), {"fields": ["serves_whole_country", "service_areas"]}),
        (
            _("Entreprise"),
            {"fields": ["workforce", "year_founded", "labels", "accepts_new_clients"]},
        ),
        (
            _("Provenance des données importées"),
            {
                "fields": ["sources_report"],
                "description": _(
                    "Les catalogues nationaux (SILL, CNLL, Comptoir du Libre) dont un import a "
                    "créé ou enrichi la fiche, et les valeurs qu'ils ont données."
                ),
            },
        ),
        (
            _("Modération"),
            {
                "fields": [
                    "cluster",
                    "status",
                    "last_verified_at",
                    "reminded_at",
                    "email_confirmed_at",
                    "website_report",
                    "created_at",
                    "updated_at",
                    "published_at",
                ]
            },
        ),
    ]

    def scope(self, request, queryset):
        return queryset.editable_by(request.user)

    def get_search_results(self, request, queryset, search_term):
        """Also match the seat commune, ignoring accents ("evry" finds Évry-Courcouronnes)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded:
            results |= queryset.filter(seat__search_name__contains=folded)
        return results, may_have_duplicates

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        if not request.user.is_superuser and "cluster" in form.base_fields:
            # Their own clusters, and the provider's current one (kept as it is).
            current = obj.cluster_id if obj else None
            form.base_fields["cluster"].queryset = (
                Cluster.objects.curated_by(request.user) | Cluster.objects.filter(pk=current)
            ).distinct()
        return form

    def save_model(self, request, obj, form, change):
        if obj.status == Status.PUBLISHED and "status" in form.changed_data:
            obj.mark_verified()
        if obj.cluster_id is None and obj.seat_id is not None:
            # A listing in no cluster (imported « à classer ») joins its seat's région's,
            # as a submission does.
            obj.cluster = Cluster.objects.covering(obj.seat).first()
        super().save_model(request, obj, form, change)

    @admin.display(description=_("sources"))
    def sources_report(self, provider):
        """One line per catalogue record: source, its page there, the file's date, the
        values it gave (and whether a hand edit replaced them since), its programs."""
        if provider.pk is None:
            return "—"
        lines = []
        for provenance in provider.provenances.all():
            values = "; ".join(
                f"{label} : {value}" + ("" if same else _(" (modifié depuis à la main)"))
                for label, value, same in provenance.fields()
            )
            verified = (
                _("vérifiée le %(date)s") % {"date": date_format(provenance.verified_at)}
                if provenance.verified_at
                else _("non vérifiée")
            )
            record = (
                format_html(
                    '<a href="{}" rel="noopener">{}</a>',
                    provenance.record_url,
                    provenance.record_key,
                )
                if provenance.record_url
                else provenance.record_key
            )
            lines.append(
                (
                    provenance.get_source_display(),
                    record,
                    date_format(provenance.file_date),
                    values or "—",
                    ", ".join(provenance.software) or "—",
                    verified,
                )
            )
        if not lines:
            return _("Aucune : fiche saisie dans l'annuaire.")
        return format_html_join(
            "",
            "<p>{} {}, fichier du {} : {} ; logiciels : {} ; {}.</p>",
            lines,
        )

    @admin.display(description=_("région"), ordering="seat__region__name")
    def region(self, provider):
        return provider.seat.region if provider.seat_id else _("à classer")

    @admin.display(description=_("site web"))
    def website_state(self, provider):
        if provider.hidden_unreachable:
            return _("masqué (injoignable)")
        if provider.website_flagged:
            return _("injoignable depuis %(days)d jours") % {"days": provider.website_failure_days}
        return "—" if not provider.website_checked_at else _("répond")

    @admin.display(description=_("vérification du site"))
    def website_report(self, provider):
        if not provider.website_checked_at:
            return _("jamais vérifié")
        if not provider.website_failure_days:
            return _("répond (vérifié le %(date)s)") % {
                "date": date_format(provider.website_checked_at, "SHORT_DATETIME_FORMAT")
            }
        return _("%(days)d jour(s) d'échec : %(error)s") % {
            "days": provider.website_failure_days,
            "error": provider.website_error,
        }

    @admin.action(description=_("Publier les prestataires sélectionnés"), permissions=["change"])
    def publish(self, request, queryset):
        waiting = queryset.exclude(status=Status.PUBLISHED)
        unseated = waiting.filter(seat__isnull=True).count()
        count = waiting.publish(user=request.user)
        message = ngettext("%d prestataire publié.", "%d prestataires publiés.", count)
        self.message_user(request, message % count, messages.SUCCESS)
        if unseated:
            message = ngettext(
                "%d fiche sans commune du siège n'a pas été publiée : indiquez-la d'abord.",
                "%d fiches sans commune du siège n'ont pas été publiées : indiquez-la d'abord.",
                unseated,
            )
            self.message_user(request, message % unseated, messages.WARNING)

    @admin.action(
        description=_("Marquer les données importées comme vérifiées"), permissions=["change"]
    )
    def verify_imported(self, request, queryset):
        """A moderator checked what a catalogue gave: its source is no longer named on the
        public page (it stays in the listing's provenance and history)."""
        count = Provenance.objects.filter(provider__in=queryset).verify()
        message = ngettext(
            "%d provenance marquée comme vérifiée.",
            "%d provenances marquées comme vérifiées.",
            count,
        )
        self.message_user(request, message % count, messages.SUCCESS)

    @admin.action(description=_("Archiver les prestataires sélectionnés"), permissions=["change"])
    def archive(self, request, queryset):
        count = queryset.exclude(status=Status.ARCHIVED).archive(user=request.user)
        message = ngettext("%d prestataire archivé.", "%d prestataires archivés.", count)
        self.message_user(request, message % count, messages.SUCCESS)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Clusters are set up by superusers; a moderator sees only their own."""

    list_display = ["name", "region_names", "provider_count", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions"]
    autocomplete_fields = ["moderators"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(provider_count=Count("providers", distinct=True))
            .prefetch_related("regions")
        )
        return queryset.curated_by(request.user)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "regions":
            kwargs["queryset"] = Territory.objects.regions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("régions"))
    def region_names(self, cluster):
        return ", ".join(region.name for region in cluster.regions.all())

    @admin.display(description=_("prestataires"), ordering="provider_count")
    def provider_count(self, cluster):
        return cluster.provider_count


@admin.register(Label)
class LabelAdmin(SharedSlugAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "software", "website"]
    list_filter = ["kind"]
    list_select_related = ["software"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["software"]


@admin.register(Revision)
class RevisionAdmin(ProviderScopedAdmin):
    """Owners' proposals, for the record; decisions are taken in the moderation queue."""

    list_display = [
        "provider",
        "status",
        "submitted_by_email",
        "origin",
        "created_at",
        "reviewed_by",
    ]
    list_filter = ["status"]
    list_select_related = ["provider", "reviewed_by"]
    search_fields = ["provider__name", "submitted_by_email"]
    readonly_fields = [
        "provider",
        "status",
        "submitted_by_email",
        "origin",
        "created_at",
        "reviewed_at",
        "reviewed_by",
        "review_note",
        "changes",
    ]
    exclude = ["data"]

    @admin.display(description=_("modifications"))
    def changes(self, revision):
        rows = diff(revision.provider, proposed_state(revision.provider, revision.data))
        return format_html_join(
            "\n", "<p><strong>{}</strong> : {} → {}</p>", ((a, b, c) for a, b, c in rows)
        ) or _("aucune")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ProviderScopedAdmin):
    list_display = ["provider", "status", "created_at", "handled_by"]
    list_filter = ["status"]
    list_select_related = ["provider", "handled_by"]
    search_fields = ["provider__name", "message"]
    readonly_fields = ["provider", "message", "email", "created_at", "handled_at", "handled_by"]

    def has_add_permission(self, request):
        return False


@admin.register(SlugRedirect)
class SlugRedirectAdmin(ProviderScopedAdmin):
    list_display = ["old_slug", "provider", "created_at"]
    search_fields = ["old_slug", "provider__name"]
    autocomplete_fields = ["provider"]


@admin.register(Offering)
class OfferingAdmin(ProviderScopedAdmin):
    list_display = ["provider", "software", "service_kind_names", "updated_at"]
    list_select_related = ["provider", "software"]
    list_filter = ["service_kinds", "software__category"]
    search_fields = ["provider__name", "software__name"]
    autocomplete_fields = ["provider", "software"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("service_kinds")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "provider":
            kwargs["queryset"] = Provider.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("services"))
    def service_kind_names(self, offering):
        return ", ".join(kind.name for kind in offering.service_kinds.all())
