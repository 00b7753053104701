from django.contrib import admin
from django.urls import path
from django.utils.translation import gettext_lazy as _

from . import views

admin.site.site_header = _("Annuaire du numérique libre — curation")
admin.site.site_title = _("Annuaire — curation")
admin.site.index_title = _("Tableau de bord")

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
