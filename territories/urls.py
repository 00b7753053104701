from django.urls import path

from . import views

app_name = "territories"
urlpatterns = [
    path("", views.index, name="index"),
    path("intercommunalite/<slug:epci>/", views.epci, name="epci"),
    path("<slug:region>/", views.region, name="region"),
    path("<slug:region>/<slug:departement>/", views.departement, name="departement"),
    path("<slug:region>/<slug:departement>/<slug:commune>/", views.commune, name="commune"),
]
