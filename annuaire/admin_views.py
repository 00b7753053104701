"""The admin's « Voir sur le site » shortcut (`/admin/r/<content type>/<id>/`), scoped.

Django's own shortcut redirects any staff user to any object's public address, so a
moderator could learn the slug of a draft of another cluster by trying ids. Here the
object must be one the user reaches through its ModelAdmin (whose queryset the cluster
scoping narrows, see core.admin_mixins), else the answer is the same 404 as for an object
that does not exist.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.http import Http404
from django.utils.translation import gettext as _


def scoped_shortcut(request, content_type_id, object_id):
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
    except ContentType.DoesNotExist:
        model = None
    model_admin = admin.site._registry.get(model)
    if (
        model_admin is None
        or not str(object_id).isdigit()
        or not model_admin.has_view_or_change_permission(request)
        or not model_admin.get_queryset(request).filter(pk=int(object_id)).exists()
    ):
        raise Http404(_("Cet objet n'existe pas ou ne relève pas de votre grappe."))
    return shortcut(request, content_type_id, object_id)
