"""The read-only JSON API (/api/v1/), documented by opendata/openapi.py.

Anonymous and read-only; rate-limited per address (429 with Retry-After);
cacheable (ETag on every answer, Last-Modified on details, Cache-Control);
open to other sites (CORS). Lists take the same filters as the search page,
through the same ProviderFilterSet, but refuse what the page would ignore:
a malformed parameter is a JSON 400 that says which one.
"""

import functools
import hashlib
import json
import re
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.urls import reverse
from django.utils.http import http_date, quote_etag
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from core.ratelimit import allow, client_ip
from core.text import clean_text
from offerings.models import Offering, ServiceKind, Software
from providers.coverage import CoverageForm, coverage_records
from providers.exports import for_export, rounded_km
from providers.models import Provider
from providers.search.filters import PAGE_SIZES, ProviderFilterSet
from territories.models import Level, Territory, largest_first

from .openapi import document

CACHE_SECONDS = 300
TERRITORY_CODE = re.compile(r"[0-9AB]{2,9}")
# What a slug may hold; anything else (a NUL byte, which PostgreSQL refuses) is a 404 unasked.
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,220}")
MAX_PAGE = 100_000


class ApiError(Exception):
    def __init__(self, status, message, details=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or []


def _json(request, data, status=200, last_modified=None):
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    if_none_match = request.headers.get("If-None-Match", "")
    if status == 200 and (etag in if_none_match or if_none_match.strip() == "*"):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(body, status=status, content_type="application/json")
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}" if status < 400 else "no-store"
    response["Access-Control-Allow-Origin"] = "*"
    response["Vary"] = "Accept-Encoding"
    return response


def api_view(view):
    """GET/HEAD only, rate-limited, errors as JSON, answers as cacheable JSON.

    CSRF-exempt: nothing here changes state, and other methods get a JSON 405."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = _json(
                request, {"erreur": "Méthode non permise : API en lecture seule."}, 405
            )
            response["Allow"] = "GET, HEAD"
            return response
        limit = settings.API_REQUESTS_PER_MINUTE
        if not allow("api", client_ip(request), limit, window_seconds=60):
            response = _json(
                request, {"erreur": f"Trop de requêtes : au plus {limit} par minute."}, 429
            )
            response["Retry-After"] = "60"
            return response
        try:
            result = view(request, *args, **kwargs)
        except ApiError as error:
            return _json(request, {"erreur": error.message, "details": error.details}, error.status)
        data, last_modified = result if isinstance(result, tuple) else (result, None)
        return _json(request, data, last_modified=last_modified)

    return wrapper


def _absolute(request, path):
    return request.build_absolute_uri(path)


def _page_number(request):
    raw = request.GET.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "Paramètre « page » invalide : un entier à partir de 1.")
    return int(raw)


def _paginate(request, queryset, serialize, per_page, prepare=list):
    paginator = Paginator(queryset, per_page)
    number = _page_number(request)
    if number > max(paginator.num_pages, 1):
        raise ApiError(404, f"La page {number} n'existe pas ({paginator.num_pages} pages).")
    page = paginator.page(number)

    def link(other):
        query = request.GET.copy()
        query["page"] = str(other)
        return _absolute(request, f"{request.path}?{query.urlencode()}")

    return {
        "nombre": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "suivante": link(page.next_page_number()) if page.has_next() else None,
        "precedente": link(page.previous_page_number()) if page.has_previous() else None,
        "resultats": [serialize(request, item) for item in prepare(page.object_list)],
    }


# Serialisers -------------------------------------------------------------------------------


def territory_data(request, territory):
    return {
        "niveau": territory.level,
        "code": territory.code,
        "nom": territory.name,
        "libelle": str(territory),
        "population": territory.population,
        "url": _absolute(request, reverse("api:territory", args=[territory.level, territory.code])),
    }


def software_data(request, software, provider_count=None):
    data = {
        "slug": software.slug,
        "nom": software.name,
        "categorie": software.category,
        "categorie_libelle": software.get_category_display(),
        "description": software.description,
        "site_web": software.website,
        "licence": software.licence,
        "wikidata": software.wikidata_id or None,
        "sill_id": software.sill_id,
        "comptoir_du_libre_id": software.comptoir_id,
        "besoins": [{"slug": need.slug, "nom": need.name} for need in software.needs.all()],
        "remplace": [
            {"slug": product.slug, "nom": product.name} for product in software.replaces.all()
        ],
        "url": _absolute(request, software.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:software", args=[software.slug])),
    }
    if provider_count is not None:
        data["nombre_prestataires"] = provider_count
    return data


def provider_data(request, provider):
    seat = provider.seat
    data = {
        "slug": provider.slug,
        "nom": provider.name,
        "siren": provider.siren or None,
        "url": _absolute(request, provider.get_absolute_url()),
        "api_url": _absolute(request, reverse("api:provider", args=[provider.slug])),
        "description": provider.description,
        "site_web": provider.website or None,
        "email": provider.public_email or None,
        "telephone": provider.phone or None,
        "adresse": provider.address,
        "code_postal": provider.postal_code,
        "siege": {
            "code_insee": seat.code,
            "nom": seat.name,
            "libelle": str(seat),
            "departement": seat.departement.name if seat.departement else None,
            "region": seat.region.name if seat.region else None,
        },
        "toute_la_france": provider.serves_whole_country,
        "zones_intervention": [
            {"niveau": area.level, "code": area.code, "libelle": str(area)}
            for area in largest_first(provider.service_areas.all())
        ],
        "offres": [
            {
                "logiciel": {"slug": offering.software.slug, "nom": offering.software.name},
                "services": [
                    {"slug": kind.slug, "nom": kind.name} for kind in offering.service_kinds.all()
                ],
                "precisions": offering.description,
            }
            for offering in provider.offerings.all()
        ],
        "effectif": (
            {"code": provider.workforce, "libelle": provider.get_workforce_display()}
            if provider.workforce
            else None
        ),
        "annee_creation": provider.year_founded,
        "labels": [{"slug": label.slug, "nom": label.name} for label in provider.labels.all()],
        "accepte_nouveaux_clients": provider.accepts_new_clients,
        "grappe": provider.cluster.name if provider.cluster else None,
        "derniere_verification": (
            provider.last_verified_at.isoformat() if provider.last_verified_at else None
        ),
        "publie_le": provider.published_at.isoformat() if provider.published_at else None,
        "modifie_le": provider.updated_at.isoformat(),
        "position": _position(provider),
    }
    if hasattr(provider, "distance_km"):  # « ou » is a commune: how far, and why listed
        data["distance_km"] = rounded_km(provider.distance_km)
        data["couvre_le_lieu"] = getattr(provider, "covers_place", False)
    return data


def _position(provider):
    """Where the provider is placed on maps and measured from (WGS84 degrees)."""
    latitude, longitude = provider.position
    if latitude is None:
        return None
    return {"latitude": latitude, "longitude": longitude, "precise": provider.latitude is not None}


# Views ---------------------------------------------------------------------------------------


@csrf_exempt
@require_safe
@cache_control(public=True, max_age=3600)
def openapi(request):
    server = request.build_absolute_uri("/").rstrip("/")
    response = JsonResponse(document(server), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@api_view
def index(request):
    def url(name, *args):
        return _absolute(request, reverse(name, args=args))

    return {
        "nom": "API de l'Annuaire du numérique libre",
        "version": "1",
        "documentation": url("api:openapi"),
        "licence": "Licence Ouverte 2.0",
        "ressources": {
            "prestataires": url("api:providers"),
            "logiciels": url("api:software_list"),
            "services": url("api:services"),
            "territoires": url("api:territories"),
            "sill": url("api:sill"),
        },
    }


@api_view
def providers(request):
    filterset = ProviderFilterSet(request.GET)
    if filterset.ignored:
        raise ApiError(
            400, "Paramètres invalides.", [str(message) for message in filterset.ignored]
        )
    if filterset.place.ambiguous:
        raise ApiError(
            400,
            f"Lieu ambigu : « {filterset.place.text} » ; précisez avec l'un de ces libellés.",
            [str(choice) for choice in filterset.place.choices],
        )
    per_page = request.GET.get("par_page", str(PAGE_SIZES[0]))
    if per_page not in {str(size) for size in PAGE_SIZES}:
        raise ApiError(400, "Paramètre « par_page » invalide : 20, 50 ou 100.")
    data = _paginate(
        request,
        for_export(filterset.qs),
        provider_data,
        int(per_page),
        prepare=filterset.mark_reasons,
    )
    place = filterset.place.territory
    return {
        "lieu": territory_data(request, place) if place else None,
        "lecture": reading_data(request, filterset),
        **data,
    }


CONCEPT_KINDS = {"need": "besoin", "product": "produit", "category": "categorie"}


def reading_data(request, filterset):
    """How « q » was read (see ProviderFilterSet.understanding), or None."""
    understood = filterset.understanding()
    if understood is None:
        return None
    return {
        "texte": understood["text"],
        "lieu_compris": str(understood["place"]) if understood["place"] else None,
        "concepts": [
            {
                "texte": concept["typed"],
                "types": [CONCEPT_KINDS[kind] for kind in concept["kinds"]],
                "noms": concept["names"],
                "logiciels": [
                    {"slug": item["slug"], "nom": item["name"]} for item in concept["software"]
                ],
            }
            for concept in understood["concepts"]
        ],
        "mot_a_mot": _absolute(
            request, reverse("api:providers") + "?" + understood["literal_query"]
        ),
    }


@api_view
def provider(request, slug):
    if not SLUG.fullmatch(slug):
        raise ApiError(404, "Prestataire introuvable.")
    found = for_export(Provider.objects.published()).filter(slug=slug).first()
    if found is None:
        raise ApiError(404, "Prestataire introuvable.")
    return provider_data(request, found), found.updated_at


@api_view
def software_list(request):
    return {
        "resultats": [
            software_data(request, software, software.provider_count)
            for software in Software.objects.with_provider_count()
            .prefetch_related("needs", "replaces")
            .order_by("name")
        ]
    }


@api_view
def software(request, slug):
    if not SLUG.fullmatch(slug):
        raise ApiError(404, "Logiciel introuvable.")
    found = (
        Software.objects.with_provider_count()
        .prefetch_related("needs", "replaces")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise ApiError(404, "Logiciel introuvable.")
    return software_data(request, found, found.provider_count), found.updated_at


@api_view
def services(request):
    return {
        "resultats": [
            {"slug": kind.slug, "nom": kind.name, "description": kind.description}
            for kind in ServiceKind.objects.all()
        ]
    }


@api_view
def territories(request):
    level = request.GET.get("niveau", "")
    if level and level not in Level.values:
        raise ApiError(400, "Paramètre « niveau » invalide : region, departement, epci ou commune.")
    text, truncated = clean_text(request.GET.get("q", ""), 120)
    if truncated:
        raise ApiError(400, "Paramètre « q » trop long : 120 caractères au plus.")
    queryset = Territory.objects.current().select_related("departement", "region")
    if text:
        queryset = queryset.search(text)
    elif level != Level.COMMUNE and level != Level.EPCI:
        queryset = queryset.filter(level__in=[level] if level else [Level.REGION]).order_by("name")
    else:
        raise ApiError(400, "Indiquez « q » pour chercher parmi les communes ou les EPCI.")
    if level:
        queryset = queryset.filter(level=level)
    return _paginate(request, queryset, territory_data, 50)


@api_view
def territory(request, level, code):
    if level not in Level.values or not TERRITORY_CODE.fullmatch(code):
        raise ApiError(404, "Territoire introuvable.")
    found = (
        Territory.objects.current()
        .select_related("departement", "region", "epci")
        .filter(level=level, code=code)
        .first()
    )
    if found is None:
        raise ApiError(404, "Territoire introuvable.")
    data = territory_data(request, found)
    data["contenu_dans"] = [territory_data(request, parent) for parent in found.ancestors()]
    published = Provider.objects.published()
    data["nombre_prestataires_installes"] = published.located_in(found).count()
    data["nombre_prestataires_intervenant"] = published.serving(found).count()
    data["prestataires"] = _absolute(request, reverse("api:providers") + f"?ou={quote(str(found))}")
    return data


@api_view
def coverage(request):
    """/couverture/ as data: per département (or EPCI of a département), how many providers
    of a program or category serve it and how many are seated there."""
    form = CoverageForm(request.GET)
    unknown = sorted(set(request.GET) - set(CoverageForm.base_fields))
    if unknown:
        raise ApiError(400, "Paramètres inconnus.", unknown)
    if not form.is_valid():
        raise ApiError(
            400,
            "Paramètres invalides.",
            [f"{name} : {' '.join(errors)}" for name, errors in form.errors.items()],
        )
    scope = form.scope()
    software = form.software()
    base = _absolute(request, "/").rstrip("/")
    rows = form.rows(scope)
    return {
        "logiciel": {"slug": software.slug, "nom": software.name} if software else None,
        "categorie": form.values.get("categorie") or None,
        "perimetre": territory_data(request, scope) if scope else None,
        "niveau": rows[0].territory.level if rows else None,
        "zones_sans_prestataire": sum(1 for row in rows if row.uncovered),
        "zones": list(coverage_records(rows, base)),
    }


@api_view
def sill_feed(request):
    """Providers per SILL software, in the shape the SILL already reads from other
    directories: [{nom, sill_id, prestataires: [{nom, siren, url}]}]."""
    # Plain rows, not model instances: 30,000 offerings at national scale (5.7 s → see
    # bench/results), and one URL pattern filled in rather than a reverse() per provider.
    base = _absolute(request, "/").rstrip("/")
    path_of = Provider.path_maker()
    by_software = {}
    rows = (
        Offering.objects.public()
        .filter(software__sill_id__isnull=False)
        .order_by("provider__name", "provider_id")
        .values_list("software_id", "provider__name", "provider__siren", "provider__slug")
    )
    for software_id, name, siren, slug in rows:
        by_software.setdefault(software_id, []).append(
            {"nom": name, "siren": siren, "url": base + path_of(slug)}
        )
    software_list = (
        Software.objects.filter(sill_id__isnull=False)
        .order_by("name")
        .values_list("pk", "name", "sill_id")
    )
    return [
        {"nom": name, "sill_id": sill_id, "prestataires": by_software[pk]}
        for pk, name, sill_id in software_list
        if pk in by_software
    ]
