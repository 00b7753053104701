from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from providers.admin import ScopedAdminMixin, SharedSlugAdminMixin
from providers.models import Provider

from .models import Offering, ServiceKind, Software


@admin.register(Software)
class SoftwareAdmin(SharedSlugAdminMixin, admin.ModelAdmin):
    list_display = ["name", "category", "licence", "provider_count", "wikidata_id"]
    list_filter = ["category"]
    search_fields = ["name", "slug", "wikidata_id"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "description", "website", "licence"]}),
        (
            _("Autres catalogues publics"),
            {"fields": ["wikidata_id", "sill_id", "comptoir_id"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_provider_count()

    @admin.display(description=_("prestataires publiés"), ordering="provider_count")
    def provider_count(self, software):
        return software.provider_count


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position", "description"]
    list_editable = ["position"]
    search_fields = ["name"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Offering)
class OfferingAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "software", "service_kind_names", "updated_at"]
    list_select_related = ["provider", "software"]
    list_filter = ["service_kinds", "software__category"]
    search_fields = ["provider__name", "software__name"]
    autocomplete_fields = ["provider", "software"]
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}

    def scope(self, request, queryset):
        return queryset.filter(provider__in=Provider.objects.editable_by(request.user))

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("service_kinds")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "provider":
            kwargs["queryset"] = Provider.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("services"))
    def service_kind_names(self, offering):
        return ", ".join(kind.name for kind in offering.service_kinds.all())
