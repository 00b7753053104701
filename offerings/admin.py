"""Admin of the software catalogue and the kinds of service, shared by every cluster.
Offerings belong to providers: their admin is in providers/admin.py, scoped by cluster."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import SharedSlugAdminMixin

from .models import ServiceKind, Software


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
