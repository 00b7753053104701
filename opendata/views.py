"""The open-data page, and the downloads: any result list as CSV, ODS or XLSX, and the
full dataset."""

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_safe

from core.ratelimit import allow, client_ip
from providers import exports
from providers.coverage import COVERAGE_HEADER, CoverageForm, coverage_table
from providers.models import Provider
from providers.search.filters import ProviderFilterSet

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def _too_many(request):
    limit = settings.EXPORTS_PER_HOUR
    if allow("export", client_ip(request), limit):
        return None
    response = HttpResponse(
        "Trop de téléchargements depuis votre connexion : réessayez dans une heure.\n",
        status=429,
        content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "3600"
    return response


def _filename(filterset, extension):
    parts = ["prestataires"]
    if filterset.place.territory is not None:
        parts.append(filterset.place.territory.slug)
    parts.extend(filterset.data.getlist("logiciel")[:2])
    parts.append(timezone.localdate().isoformat())
    return slugify("-".join(parts))[:120] + f".{extension}"


def _base_url(request):
    return request.build_absolute_uri("/").rstrip("/")


@require_safe
def export(request, extension):
    """The result list of /prestataires/ with the same parameters, in a spreadsheet."""
    refused = _too_many(request)
    if refused:
        return refused
    filterset = ProviderFilterSet(request.GET)
    queryset = filterset.qs
    base_url = _base_url(request)
    writer = exports.xlsx_file if extension == "xlsx" else exports.ods_file
    return _download(
        extension,
        _filename(filterset, extension),
        csv_chunks=lambda: exports.csv_stream(queryset, base_url=base_url),
        spreadsheet=lambda: writer(queryset, base_url),
    )


def _download(extension, filename, *, csv_chunks, spreadsheet):
    """A download as an attachment: CSV streamed from `csv_chunks()`, or the temporary ODS
    or XLSX file `spreadsheet()` returns."""
    if extension == "csv":
        response = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in csv_chunks()), content_type=CONTENT_TYPES["csv"]
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        spreadsheet(), as_attachment=True, filename=filename, content_type=CONTENT_TYPES[extension]
    )


@require_safe
def coverage_export(request, extension):
    """The table of /couverture/ with the same parameters, in a spreadsheet."""
    refused = _too_many(request)
    if refused:
        return refused
    form = CoverageForm(request.GET)
    scope = form.scope()
    table = coverage_table(form.rows(scope), _base_url(request))
    parts = ["couverture", form.values.get("logiciel") or form.values.get("categorie") or ""]
    parts += [scope.slug if scope else "france", timezone.localdate().isoformat()]
    filename = slugify("-".join(part for part in parts if part))[:120] + f".{extension}"
    writer = exports.xlsx_table if extension == "xlsx" else exports.ods_table
    return _download(
        extension,
        filename,
        csv_chunks=lambda: exports.csv_table(COVERAGE_HEADER, table),
        spreadsheet=lambda: writer(COVERAGE_HEADER, table, sheet_name="Couverture"),
    )


@require_safe
def open_data_page(request):
    context = {
        "columns": exports.COLUMNS,
        "distance_column": exports.DISTANCE_COLUMN,
        "licence_url": exports.LICENCE_URL,
    }
    return render(request, "pages/open_data.html", context)


@require_safe
def dataset(request, extension):
    """Every published provider, for open-data portals (Licence Ouverte 2.0)."""
    refused = _too_many(request)
    if refused:
        return refused
    queryset = Provider.objects.published().order_by("slug")
    base_url = _base_url(request)
    if extension == "csv":
        chunks = exports.csv_stream(queryset, delimiter=",", bom=False, base_url=base_url)
    else:
        chunks = exports.json_stream(
            queryset,
            base_url,
            licence=exports.LICENCE,
            licence_url=exports.LICENCE_URL,
            source=base_url + "/donnees-ouvertes/",
            genere_le=timezone.now().isoformat(timespec="seconds"),
        )
    response = StreamingHttpResponse(
        (chunk.encode("utf-8") for chunk in chunks), content_type=CONTENT_TYPES[extension]
    )
    response["Content-Disposition"] = f'inline; filename="annuaire-prestataires.{extension}"'
    response["Cache-Control"] = "public, max-age=3600"
    return response
