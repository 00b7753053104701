from django.urls import path

from .feeds import NewProvidersFeed, RegionFeed, SoftwareFeed

app_name = "feeds"
urlpatterns = [
    path("prestataires.atom", NewProvidersFeed(), name="providers"),
    path("regions/<slug:slug>.atom", RegionFeed(), name="region"),
    path("logiciels/<slug:slug>.atom", SoftwareFeed(), name="software"),
]
