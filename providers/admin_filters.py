"""The list filters of the providers' admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offerings.models import ServiceKind, Software
from territories.admin import RegionFilter

from .models import CatalogueSource, Cluster


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


class _OptionsFilter(admin.SimpleListFilter):
    """A filter whose options each narrow the list their own way: {value: (label, how)}."""

    options = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _narrow) in self.options.items()]

    def queryset(self, request, queryset):
        option = self.options.get(self.value())
        return option[1](queryset) if option else queryset


class WebsiteFilter(_OptionsFilter):
    """Listings whose website stopped answering (manage.py check_websites)."""

    title = _("site web")
    parameter_name = "site"
    options = {
        "injoignable": (_("Injoignable (signalé)"), lambda providers: providers.website_flagged()),
        "masque": (
            _("Masqué du public"),
            lambda providers: providers.filter(hidden_unreachable=True),
        ),
    }


class StalenessFilter(_OptionsFilter):
    title = _("vérification")
    parameter_name = "verification"
    options = {
        "ancienne": (_("Plus d'un an"), lambda providers: providers.stale()),
        "relancee": (
            _("Relancée, sans réponse"),
            lambda providers: providers.filter(reminded_at__isnull=False),
        ),
    }


def _imported_from(source):
    return lambda providers: providers.filter(provenances__source=source).distinct()


class ProvenanceFilter(_OptionsFilter):
    """Listings imported from a national catalogue, and those still waiting for a seat
    (« à classer »: only superusers see the ones in no cluster)."""

    title = _("provenance")
    parameter_name = "provenance"
    options = {
        "a-classer": (
            _("À classer (sans commune du siège)"),
            lambda providers: providers.filter(seat__isnull=True),
        ),
        "non-verifiee": (
            _("Données importées non vérifiées"),
            lambda providers: providers.filter(
                provenances__isnull=False, provenances__verified_at__isnull=True
            ).distinct(),
        ),
        **{
            source.value: (
                _("Importée : %(source)s") % {"source": source.label},
                _imported_from(source),
            )
            for source in CatalogueSource
        },
    }
