from django.urls import path

from . import views

app_name = "providers"
urlpatterns = [
    path("", views.search, name="search"),
    path("<slug:slug>/", views.detail, name="detail"),
]
