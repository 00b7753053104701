"""Open data's addresses, one list per URL namespace; annuaire/urls.py mounts them."""

from django.urls import path, re_path

from . import api, views
from .feeds import NewProvidersFeed, RegionFeed, SoftwareFeed

app_name = "opendata"
urlpatterns = [
    path("donnees-ouvertes/", views.open_data_page, name="page"),
    re_path(
        r"^donnees-ouvertes/prestataires\.(?P<extension>csv|json)$",
        views.dataset,
        name="dataset",
    ),
    re_path(
        r"^prestataires/telecharger\.(?P<extension>csv|ods|xlsx)$",
        views.export,
        name="export",
    ),
    re_path(
        r"^couverture/telecharger\.(?P<extension>csv|ods|xlsx)$",
        views.coverage_export,
        name="coverage_export",
    ),
]

# Namespace "api", under /api/.
api_urlpatterns = [
    path("v1/", api.index, name="index"),
    path("v1/openapi.json", api.openapi, name="openapi"),
    path("v1/prestataires/", api.providers, name="providers"),
    path("v1/prestataires/<str:slug>/", api.provider, name="provider"),
    path("v1/logiciels/", api.software_list, name="software_list"),
    path("v1/logiciels/<str:slug>/", api.software, name="software"),
    path("v1/services/", api.services, name="services"),
    path("v1/couverture/", api.coverage, name="coverage"),
    path("v1/territoires/", api.territories, name="territories"),
    path("v1/territoires/<str:level>/<str:code>/", api.territory, name="territory"),
    path("prestataires-sill.json", api.sill_feed, name="sill"),
]

# Namespace "feeds", under /flux/.
feed_urlpatterns = [
    path("prestataires.atom", NewProvidersFeed(), name="providers"),
    path("regions/<slug:slug>.atom", RegionFeed(), name="region"),
    path("logiciels/<slug:slug>.atom", SoftwareFeed(), name="software"),
]
