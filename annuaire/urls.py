from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from territories.views import suggestions

from . import views

admin.site.site_header = _("Annuaire du numérique libre — curation")
admin.site.site_title = _("Annuaire — curation")
admin.site.index_title = _("Tableau de bord")


urlpatterns = [
    path("", views.home, name="home"),
    path("", include("providers.urls")),
    path("logiciels/", include("offerings.urls")),
    path("territoires/", include("territories.urls")),
    path("lieux/suggestions", suggestions, name="place_suggestions"),
    path("a-propos/", TemplateView.as_view(template_name="pages/about.html"), name="about"),
    path(
        "accessibilite/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "donnees-ouvertes/",
        TemplateView.as_view(template_name="pages/open_data.html"),
        name="open_data",
    ),
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="pages/legal.html"),
        name="legal",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler400 = "annuaire.views.bad_request"
handler404 = "annuaire.views.not_found"
handler500 = "annuaire.views.server_error"
