"""Admin of the software catalogue and the kinds of service, shared by every cluster.
Offerings belong to providers: their admin is in providers/admin.py, scoped by cluster."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin_mixins import SharedSlugAdminMixin

from .models import Need, ReplacedProduct, ServiceKind, Software


@admin.register(Software)
class SoftwareAdmin(SharedSlugAdminMixin, admin.ModelAdmin):
    list_display = ["name", "category", "licence", "provider_count", "wikidata_id"]
    list_filter = ["category", "needs", "replaces"]
    search_fields = ["name", "slug", "wikidata_id"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["needs", "replaces"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "category", "description", "website", "licence"]}),
        (
            _("Ce qu'il permet de faire"),
            {
                "fields": ["needs", "replaces"],
                "description": _(
                    "La recherche lit ces besoins et ces produits : « facturation » ou "
                    "« Excel » mènent aux prestataires de ce logiciel."
                ),
            },
        ),
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


class CatalogueTermAdmin(SharedSlugAdminMixin, admin.ModelAdmin):
    """Needs and replaced products: shared by every cluster, read by the search."""

    list_display = ["name", "alias_text", "on_home", "software_names"]
    list_filter = ["on_home"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "aliases", "on_home"]
    related = ""

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(self.related)

    @admin.display(description=_("autres façons de le dire"))
    def alias_text(self, term):
        return ", ".join(term.alias_list)

    @admin.display(description=_("logiciels"))
    def software_names(self, term):
        return ", ".join(software.name for software in getattr(term, self.related).all())


@admin.register(Need)
class NeedAdmin(CatalogueTermAdmin):
    related = "software"


@admin.register(ReplacedProduct)
class ReplacedProductAdmin(CatalogueTermAdmin):
    related = "alternatives"
