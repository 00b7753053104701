from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import PostalCode, Territory, TerritoryAlias


class RegionFilter(admin.SimpleListFilter):
    """Filter by région, listing only the 18 current régions (never a 35,000-row list)."""

    title = _("région")
    parameter_name = "region"
    lookup = "region"

    def lookups(self, request, model_admin):
        return [
            (str(pk), name) for pk, name in Territory.objects.regions().values_list("pk", "name")
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(**{self.lookup: int(self.value())})
        return queryset


class PostalCodeInline(admin.TabularInline):
    model = PostalCode
    extra = 0
    can_delete = False
    fields = ["code"]
    readonly_fields = ["code"]


class AliasInline(admin.TabularInline):
    model = TerritoryAlias
    extra = 0
    can_delete = False
    fields = ["code", "name", "kind"]
    readonly_fields = ["code", "name", "kind"]


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    """Read-only: territories come from the official data (`manage.py import_territories`)."""

    list_display = ["name", "level", "code", "departement", "region", "population", "is_current"]
    list_filter = ["level", "is_current", RegionFilter]
    list_select_related = ["departement", "region"]
    search_fields = ["search_name", "code"]
    search_help_text = _("Nom (sans accents ni tirets), code INSEE, SIREN ou code postal.")
    ordering = ["level", "name"]
    inlines = [PostalCodeInline, AliasInline]
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        found = Territory.objects.search(search_term)
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            found = found.current()
            return queryset.filter(pk__in=found.values("pk")).order_by_importance(), False
        return queryset.filter(pk__in=found.values("pk")), False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
