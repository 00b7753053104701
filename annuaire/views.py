from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from offerings.models import Software
from providers.models import Provider


@require_safe
def home(request):
    context = {
        "provider_count": Provider.objects.published().count(),
        "software_count": Software.objects.count(),
    }
    return render(request, "home.html", context)


@never_cache
@require_safe
def healthz(request):
    """Liveness and readiness probe: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
