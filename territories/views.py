"""The place suggestions of the « Où ? » fields (progressive enhancement, static/js)."""

from django.http import JsonResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

from core.templatetags.annuaire import thousands
from core.text import clean_text

from .models import Level
from .resolution import suggestions as place_suggestions


@require_safe
@cache_control(public=True, max_age=3600)
def suggestions(request):
    """JSON suggestions for the "Où ?" field: [{label, kind, detail}]."""
    text, _truncated = clean_text(request.GET.get("q", ""), 120)
    results = [
        {"label": str(place), "kind": place.get_level_display(), "detail": _detail(place)}
        for place in place_suggestions(text)
    ]
    return JsonResponse({"results": results})


def _detail(place):
    parts = [place.get_level_display()]
    if place.level == Level.COMMUNE and place.departement_id:
        parts.append(place.departement.name)
    if place.population:
        parts.append(f"{thousands(place.population)} hab.")
    return ", ".join(parts)
