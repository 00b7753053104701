"""/couverture/: where a program (or a category) is covered, per département or EPCI, and
where nobody serves it — for collectivités preparing a procurement and clusters recruiting."""

from django.shortcuts import render
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from core.pagecache import cache_public_page
from offerings.models import SoftwareCategory
from providers.coverage import SORTS, CoverageForm
from providers.maps import coverage_map
from territories.models import Level


@require_safe
@cache_public_page(params=tuple(CoverageForm.base_fields))
def coverage(request):
    form = CoverageForm(request.GET)
    scope = form.scope()
    rows = form.rows(scope)
    software = form.software()
    category = form.values.get("categorie")
    what = software.name if software else dict(SoftwareCategory.choices).get(category, "")
    where = scope.name if scope is not None else "France"
    uncovered = [row for row in rows if row.uncovered]
    row_query = urlencode({"logiciel": software.slug}) if software else ""
    area_label = (
        "Intercommunalité"
        if scope is not None and scope.level == Level.DEPARTEMENT
        else "Département"
    )
    context = {
        "form": form,
        "scope": scope,
        "rows": rows,
        "what": what,
        "where": where,
        "uncovered": uncovered,
        "area_label": area_label,
        "caption": f"Prestataires {'de ' + what + ' ' if what else ''}intervenant et installés, "
        f"par {area_label.lower()}, {where}",
        "sort_links": [(key, label, form.query_string(tri=key)) for key, label in SORTS.items()],
        "download_query": form.query_string(),
        # Territory pages draw one program's map (not a category's): links keep only that.
        "row_query": row_query,
        "map": coverage_map(rows, scope, search_query=row_query),
    }
    return render(request, "providers/coverage.html", context)
