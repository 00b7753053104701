from django.urls import path, re_path

from . import curation_views, export_views, views

app_name = "providers"
urlpatterns = [
    path("prestataires/", views.search, name="search"),
    re_path(
        r"^prestataires/telecharger\.(?P<extension>csv|ods|xlsx)$",
        export_views.export,
        name="export",
    ),
    re_path(
        r"^donnees-ouvertes/prestataires\.(?P<extension>csv|json)$",
        export_views.open_data,
        name="open_data",
    ),
    path("prestataires/<slug:slug>/", views.detail, name="detail"),
    path(
        "prestataires/<slug:slug>/mise-a-jour/",
        curation_views.request_update,
        name="request_update",
    ),
    path("prestataires/<slug:slug>/signaler/", curation_views.report, name="report"),
    path(
        "prestataires/<slug:slug>/signaler/merci/",
        curation_views.report_done,
        name="report_done",
    ),
    path("referencer/", curation_views.submit, name="submit"),
    path("referencer/merci/", curation_views.submit_done, name="submit_done"),
    path(
        "referencer/confirmer/<str:token>/",
        curation_views.confirm_submission,
        name="confirm_submission",
    ),
    path("mon-entreprise/<str:token>/", curation_views.owner_edit, name="owner_edit"),
    path("fiche-a-jour/<str:token>/", curation_views.still_accurate, name="still_accurate"),
]
