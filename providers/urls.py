"""The providers' public addresses, one list per URL namespace; annuaire/urls.py mounts
them. Software and territory pages keep their namespaces ("offerings", "territories")
though their views live here: they are pages of providers."""

from django.urls import path

from .curation import views as curation
from .views import coverage, provider, search, software, territories

app_name = "providers"
urlpatterns = [
    path("prestataires/", search.search, name="search"),
    path("prestataires/<slug:slug>/", provider.detail, name="detail"),
    path("prestataires/<slug:slug>/mise-a-jour/", curation.request_update, name="request_update"),
    path("prestataires/<slug:slug>/signaler/", curation.report, name="report"),
    path("prestataires/<slug:slug>/signaler/merci/", curation.report_done, name="report_done"),
    path("couverture/", coverage.coverage, name="coverage"),
    path("referencer/", curation.submit, name="submit"),
    path("referencer/merci/", curation.submit_done, name="submit_done"),
    path(
        "referencer/confirmer/<str:token>/",
        curation.confirm_submission,
        name="confirm_submission",
    ),
    path("mon-entreprise/<str:token>/", curation.owner_edit, name="owner_edit"),
    path("fiche-a-jour/<str:token>/", curation.still_accurate, name="still_accurate"),
]

# Namespace "offerings", under /logiciels/.
software_urlpatterns = [
    path("", software.software_list, name="software_list"),
    path("<slug:slug>/", software.software_detail, name="software_detail"),
]

# Namespace "territories", under /territoires/.
territory_urlpatterns = [
    path("", territories.index, name="index"),
    path("intercommunalite/<slug:epci>/", territories.epci, name="epci"),
    path("<slug:region>/", territories.region, name="region"),
    path("<slug:region>/<slug:departement>/", territories.departement, name="departement"),
    path(
        "<slug:region>/<slug:departement>/<slug:commune>/",
        territories.commune,
        name="commune",
    ),
]
