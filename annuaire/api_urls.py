from django.http import JsonResponse
from django.urls import path
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from . import api
from .openapi import document

app_name = "api"


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=3600)
def openapi(request):
    server = request.build_absolute_uri("/").rstrip("/")
    response = JsonResponse(document(server), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


urlpatterns = [
    path("v1/", api.index, name="index"),
    path("v1/openapi.json", openapi, name="openapi"),
    path("v1/prestataires/", api.providers, name="providers"),
    path("v1/prestataires/<str:slug>/", api.provider, name="provider"),
    path("v1/logiciels/", api.software_list, name="software_list"),
    path("v1/logiciels/<str:slug>/", api.software, name="software"),
    path("v1/services/", api.services, name="services"),
    path("v1/territoires/", api.territories, name="territories"),
    path("v1/territoires/<str:level>/<str:code>/", api.territory, name="territory"),
    path("prestataires-sill.json", api.sill_feed, name="sill"),
]
