from django.contrib.sitemaps import Sitemap
from django.db.models import Exists, OuterRef

from offerings.models import Software
from providers.models import Provider
from territories.models import Level, Territory


class ProviderSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.8

    def items(self):
        return Provider.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, provider):
        return provider.updated_at


class SoftwareSitemap(Sitemap):
    changefreq = "weekly"
    priority = 0.6

    def items(self):
        return Software.objects.order_by("pk")

    def lastmod(self, software):
        return software.updated_at


class TerritorySitemap(Sitemap):
    """Régions, départements, EPCI, and the communes where a published provider has its
    seat (the other 34,000 commune pages exist but would only repeat their département)."""

    changefreq = "weekly"
    priority = 0.5
    limit = 5000

    def items(self):
        seated = Provider.objects.published().filter(seat=OuterRef("pk"))
        larger = Territory.objects.current().filter(
            level__in=[Level.REGION, Level.DEPARTEMENT, Level.EPCI]
        )
        communes = Territory.objects.communes().filter(Exists(seated))
        return [
            *larger.select_related("region").order_by("level", "code"),
            *communes.select_related("region", "departement").order_by("code"),
        ]

    def location(self, territory):
        return territory.get_absolute_url()


SITEMAPS = {
    "prestataires": ProviderSitemap,
    "logiciels": SoftwareSitemap,
    "territoires": TerritorySitemap,
}
