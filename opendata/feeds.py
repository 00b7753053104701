"""Atom feeds of newly published providers: all, per région (of the seat), per software."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from offerings.models import Software
from providers.models import Provider
from territories.models import Territory

ITEMS = 50


class NewProvidersFeed(Feed):
    feed_type = Atom1Feed
    title = "Annuaire du numérique libre : nouveaux prestataires"
    subtitle = "Les dernières entreprises du numérique libre publiées dans l'annuaire."

    def link(self, obj=None):
        return reverse("providers:search")

    def providers(self, obj):
        return Provider.objects.published()

    def items(self, obj=None):
        return (
            self.providers(obj)
            .exclude(published_at__isnull=True)
            .select_related("seat")
            .prefetch_related("offerings__software")
            .order_by("-published_at", "-pk")[:ITEMS]
        )

    def item_title(self, provider):
        return f"{provider.name} ({provider.seat})"

    def item_description(self, provider):
        software = ", ".join(offering.software.name for offering in provider.offerings.all())
        return f"{software}. {provider.description[:400]}"

    def item_pubdate(self, provider):
        return provider.published_at

    def item_updateddate(self, provider):
        return provider.updated_at


class RegionFeed(NewProvidersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Territory.objects.regions(), slug=slug)

    def title(self, region):
        return f"Nouveaux prestataires du numérique libre : {region.name}"

    def link(self, region):
        return region.get_absolute_url()

    def providers(self, region):
        return Provider.objects.published().located_in(region)


class SoftwareFeed(NewProvidersFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Software, slug=slug)

    def title(self, software):
        return f"Nouveaux prestataires {software.name}"

    def link(self, software):
        return software.get_absolute_url()

    def providers(self, software):
        return Provider.objects.published().offering(software=[software.slug])
