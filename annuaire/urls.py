"""Every address of the site. Each app's urls.py gives one list per URL namespace; they are
mounted here, the only place that sees all of them."""

from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from core.pagecache import cache_public_page
from opendata import urls as opendata_urls
from opendata.admin_views import import_source_view
from opendata.sitemaps import SITEMAPS
from providers import urls as providers_urls
from territories.views import suggestions

from . import admin_views, views
from .two_factor import TwoFactorLoginForm, two_factor

admin.site.site_header = _("Annuaire du numérique libre — curation")
admin.site.site_title = _("Annuaire — curation")
admin.site.index_title = _("Tableau de bord")
admin.site.login_form = TwoFactorLoginForm
admin.site.login_template = "admin/login_two_factor.html"


urlpatterns = [
    path("", views.home, name="home"),
    path("", include("providers.urls")),
    path("", include("opendata.urls")),
    path("logiciels/", include((providers_urls.software_urlpatterns, "offerings"))),
    path("territoires/", include((providers_urls.territory_urlpatterns, "territories"))),
    path("lieux/suggestions", suggestions, name="place_suggestions"),
    path("a-propos/", TemplateView.as_view(template_name="pages/about.html"), name="about"),
    path(
        "accessibilite/",
        TemplateView.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "mentions-legales/",
        TemplateView.as_view(template_name="pages/legal.html"),
        name="legal",
    ),
    path("api/", include((opendata_urls.api_urlpatterns, "api"))),
    path("flux/", include((opendata_urls.feed_urlpatterns, "feeds"))),
    path("robots.txt", views.robots, name="robots"),
    path(
        "sitemap.xml",
        cache_public_page(max_age=3600)(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cache_public_page(params=("p",), max_age=3600)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("healthz", views.healthz, name="healthz"),
    # Before the admin's own: « Voir sur le site » only for objects the user may curate.
    path(
        "admin/r/<int:content_type_id>/<path:object_id>/",
        admin.site.admin_view(admin_views.scoped_shortcut),
        name="admin_view_on_site",
    ),
    path(
        "admin/double-authentification/",
        admin.site.admin_view(two_factor),
        name="admin_two_factor",
    ),
    path(
        "admin/providers/provider/import-catalogue/",
        admin.site.admin_view(import_source_view),
        name="opendata_import_source",
    ),
    path("admin/", admin.site.urls),
]

handler400 = "annuaire.views.bad_request"
handler403 = "annuaire.views.permission_denied"
handler404 = "annuaire.views.not_found"
handler500 = "annuaire.views.server_error"
