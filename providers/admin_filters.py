"""The list filters of the providers' admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offerings.models import ServiceKind, Software
from territories.admin import RegionFilter

from .models import Cluster


class _OfferingFilter(admin.SimpleListFilter):
    """Providers with an offering of one software, or of one kind of service."""

    model = None
    lookup = ""

    def lookups(self, request, model_admin):
        return list(self.model.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()}).distinct()
        return queryset


class SoftwareFilter(_OfferingFilter):
    title = _("logiciel")
    parameter_name = "logiciel"
    model = Software
    lookup = "offerings__software__slug"


class ServiceKindFilter(_OfferingFilter):
    title = _("type de service")
    parameter_name = "service"
    model = ServiceKind
    lookup = "offerings__service_kinds__slug"


class ProviderRegionFilter(RegionFilter):
    lookup = "seat__region"


class ClusterFilter(admin.SimpleListFilter):
    """The clusters the user moderates (all of them for a superuser)."""

    title = _("grappe régionale")
    parameter_name = "grappe"

    def lookups(self, request, model_admin):
        clusters = Cluster.objects.curated_by(request.user)
        return [(str(pk), name) for pk, name in clusters.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(cluster_id=int(self.value()))
        return queryset


class WebsiteFilter(admin.SimpleListFilter):
    """Listings whose website stopped answering (manage.py check_websites)."""

    title = _("site web")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        return [("injoignable", _("Injoignable (signalé)")), ("masque", _("Masqué du public"))]

    def queryset(self, request, queryset):
        if self.value() == "injoignable":
            return queryset.website_flagged()
        if self.value() == "masque":
            return queryset.filter(hidden_unreachable=True)
        return queryset


class StalenessFilter(admin.SimpleListFilter):
    title = _("vérification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("ancienne", _("Plus d'un an")), ("relancee", _("Relancée, sans réponse"))]

    def queryset(self, request, queryset):
        if self.value() == "ancienne":
            return queryset.stale()
        if self.value() == "relancee":
            return queryset.filter(reminded_at__isnull=False)
        return queryset
