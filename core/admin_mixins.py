"""Admin helpers that know nothing of the project's models."""

from django.http import Http404
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe


class ScopedAdminMixin:
    """Restrict an admin to the objects the user may curate, in every view.

    `scope(request, queryset)` narrows the queryset; objects outside it behave as
    if they did not exist (404), whether reached from a menu, a typed URL, a posted
    action or the audit history.
    """

    def scope(self, request, queryset):
        raise NotImplementedError

    def get_queryset(self, request):
        return self.scope(request, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404(_("Cet objet n'existe pas ou ne relève pas de votre grappe."))

    def _ensure_in_scope(self, request, object_id):
        if (
            not str(object_id).isdigit()
            or not self.get_queryset(request).filter(pk=int(object_id)).exists()
        ):
            raise Http404(_("Cet objet n'existe pas ou ne relève pas de votre grappe."))

    def history_view(self, request, object_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._ensure_in_scope(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


class ReadOnlyHistoryMixin:
    """The audit history is for reading. django-simple-history's version form saves what
    is posted to it even when SIMPLE_HISTORY_REVERT_DISABLED hides its button, and saves
    the old version whole (fields outside the form roll back too): every write through a
    history view is refused, whoever asks."""

    @method_decorator(require_safe)
    def history_view(self, request, object_id, extra_context=None):
        return super().history_view(request, object_id, extra_context)

    @method_decorator(require_safe)
    def history_form_view(self, request, object_id, version_id, extra_context=None):
        return super().history_form_view(request, object_id, version_id, extra_context)


class SharedSlugAdminMixin:
    """Reference data shared by every cluster whose slugs are in public URLs
    (?logiciel=dolibarr, ?label=qualiopi): only superusers change a slug."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        if not request.user.is_superuser:
            return {}
        return super().get_prepopulated_fields(request, obj)
