from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from annuaire.text import fold
from offerings.models import Offering, ServiceKind, Software
from territories.admin import RegionFilter
from territories.models import Territory

from .models import Cluster, Label, Provider, Status


class ScopedAdminMixin:
    """Restrict an admin to the objects the user may curate, in every view.

    `scope(request, queryset)` narrows the queryset; objects outside it behave as
    if they did not exist (404), whether reached from a menu, a typed URL or a
    posted action.
    """

    def scope(self, request, queryset):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Cet objet n'existe pas ou ne relève pas de votre grappe."))


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


class SoftwareFilter(admin.SimpleListFilter):
    title = _("logiciel")
    parameter_name = "logiciel"

    def lookups(self, request, model_admin):
        return list(Software.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(offerings__software__slug=self.value()).distinct()
        return queryset


class ServiceKindFilter(admin.SimpleListFilter):
    title = _("type de service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        return list(ServiceKind.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(offerings__service_kinds__slug=self.value()).distinct()
        return queryset


class ProviderRegionFilter(RegionFilter):
    lookup = "seat__region"


class ClusterFilter(admin.SimpleListFilter):
    """The clusters the user moderates (all of them for a superuser)."""

    title = _("grappe régionale")
    parameter_name = "grappe"

    def lookups(self, request, model_admin):
        clusters = Cluster.objects.all()
        if not request.user.is_superuser:
            clusters = clusters.filter(moderators=request.user)
        return [(str(pk), name) for pk, name in clusters.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(cluster_id=int(self.value()))
        return queryset


class ProviderAdminForm(forms.ModelForm):
    """Refuses a change that would take the provider out of the moderator's clusters."""

    def clean(self):
        cleaned = super().clean()
        user = self.current_user
        if user.is_superuser:
            return cleaned
        cluster = cleaned.get("cluster")
        seat = cleaned.get("seat")
        clusters = Cluster.objects.filter(moderators=user)
        in_scope = (cluster is not None and clusters.filter(pk=cluster.pk).exists()) or (
            seat is not None and clusters.filter(regions=seat.region_id).exists()
        )
        if not in_scope:
            raise forms.ValidationError(
                _(
                    "Ce prestataire sortirait de votre périmètre : choisissez l'une de vos "
                    "grappes ou une commune de siège située dans leurs régions."
                )
            )
        return cleaned


@admin.register(Provider)
class ProviderAdmin(ScopedAdminMixin, admin.ModelAdmin):
    form = ProviderAdminForm
    list_display = [
        "name",
        "seat",
        "region",
        "cluster",
        "status",
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
        "accepts_new_clients",
        "serves_whole_country",
        "workforce",
    ]
    search_fields = ["name", "siren", "website", "email"]
    search_help_text = _("Nom, SIREN, site web, e-mail ou commune du siège.")
    autocomplete_fields = ["seat", "service_areas"]
    filter_horizontal = ["labels"]
    readonly_fields = ["created_at", "updated_at", "published_at"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OfferingInline]
    actions = ["publish", "archive"]
    list_per_page = 50
    fieldsets = [
        (
            _("Identité"),
            {"fields": ["name", "slug", "siren", "description", "website", "email", "phone"]},
        ),
        (_("Siège"), {"fields": ["address", "postal_code", "seat"]}),
        (_("Zones d'intervention"), {"fields": ["serves_whole_country", "service_areas"]}),
        (
            _("Entreprise"),
            {"fields": ["workforce", "year_founded", "labels", "accepts_new_clients"]},
        ),
        (
            _("Modération"),
            {
                "fields": [
                    "cluster",
                    "status",
                    "last_verified_at",
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
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "cluster" and not request.user.is_superuser:
            kwargs["queryset"] = Cluster.objects.filter(moderators=request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("région"), ordering="seat__region__name")
    def region(self, provider):
        return provider.seat.region

    @admin.action(description=_("Publier les prestataires sélectionnés"), permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.exclude(status=Status.PUBLISHED).publish()
        self.message_user(
            request,
            ngettext("%d prestataire publié.", "%d prestataires publiés.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Archiver les prestataires sélectionnés"), permissions=["change"])
    def archive(self, request, queryset):
        count = queryset.exclude(status=Status.ARCHIVED).archive()
        self.message_user(
            request,
            ngettext("%d prestataire archivé.", "%d prestataires archivés.", count) % count,
            messages.SUCCESS,
        )


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["name", "region_names", "provider_count", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions"]
    autocomplete_fields = ["moderators"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(provider_count=Count("providers", distinct=True))
            .prefetch_related("regions")
        )

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
class LabelAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "software", "website"]
    list_filter = ["kind"]
    list_select_related = ["software"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["software"]
