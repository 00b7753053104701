"""The moderators' own pages inside the admin: the review queue and its decisions, the
spreadsheet import, and the merge of two listings. `ProviderAdmin` mounts them."""

import base64

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from providers.exports import HEADER
from providers.models import Cluster

from .imports import ImportFileError, apply_import, plan_import
from .merge import merge
from .queue import DecisionError, decide, moderation_queue

IMPORT_SESSION_KEY = "providers_import"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV, XLSX ou ODS"),
        help_text=_("Les colonnes d'un export de l'annuaire ; 5 Mo et 5 000 lignes au plus."),
    )
    cluster = forms.ModelChoiceField(
        label=_("Grappe des nouvelles fiches"), queryset=Cluster.objects.none(), empty_label=None
    )
    publish = forms.BooleanField(
        label=_("Publier directement les nouvelles fiches"), required=False, initial=True
    )

    def __init__(self, *args, clusters, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cluster"].queryset = clusters


class CurationAdminMixin:
    """Adds the moderation queue, the import and the merge action to the providers' admin."""

    def get_urls(self):
        return [
            path(
                "moderation/",
                self.admin_site.admin_view(self.moderation_view),
                name="providers_moderation",
            ),
            path(
                "moderation/<str:kind>/<int:pk>/",
                self.admin_site.admin_view(self.moderation_decide),
                name="providers_moderation_decide",
            ),
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="providers_import",
            ),
            *super().get_urls(),
        ]

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            **context,
        }
        return TemplateResponse(request, template, context)

    def moderation_view(self, request):
        """The review queue: confirmed submissions, owners' revisions, reports; oldest first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queue = moderation_queue(request.user)
        return self._page(
            request, "admin/providers/moderation.html", _("File de modération"), **queue
        )

    def moderation_decide(self, request, kind, pk):
        if request.method != "POST":
            return redirect("admin:providers_moderation")
        if not self.has_change_permission(request):
            raise PermissionDenied
        decision = request.POST.get("decision", "")
        note = request.POST.get("note", "").strip()[:2000]
        try:
            message = decide(
                request.user, kind, pk, decision, note, version=request.POST.get("version")
            )
        except DecisionError as error:
            self.message_user(request, str(error), messages.ERROR)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, message, messages.SUCCESS)
        return redirect("admin:providers_moderation")

    def import_view(self, request):
        """Spreadsheet import: upload, dry run line by line, then confirm (all or nothing)."""
        if not (self.has_add_permission(request) and self.has_change_permission(request)):
            raise PermissionDenied
        clusters = Cluster.objects.curated_by(request.user)
        form = ImportForm(request.POST or None, request.FILES or None, clusters=clusters)
        context = {"form": form, "columns": HEADER}
        stored = request.session.get(IMPORT_SESSION_KEY)
        if request.method == "POST" and request.POST.get("confirm") and stored:
            content = base64.b64decode(stored["content"])
            cluster = clusters.filter(pk=stored["cluster"]).first()
            try:
                plan = plan_import(stored["name"], content, request.user)
                created, updated = apply_import(plan, request.user, cluster, stored["publish"])
            except (ImportFileError, ValueError, ValidationError) as error:
                messages_text = error.messages if isinstance(error, ValidationError) else [error]
                self.message_user(request, " ".join(map(str, messages_text)), messages.ERROR)
            else:
                del request.session[IMPORT_SESSION_KEY]
                self.message_user(
                    request,
                    _("Import terminé : %(created)d fiche(s) créée(s), %(updated)d mise(s) à jour.")
                    % {"created": created, "updated": updated},
                    messages.SUCCESS,
                )
                return redirect("admin:providers_provider_changelist")
        elif request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read()
            try:
                plan = plan_import(upload.name, content, request.user)
            except ImportFileError as error:
                form.add_error("file", str(error))
            else:
                request.session[IMPORT_SESSION_KEY] = {
                    "name": upload.name,
                    "content": base64.b64encode(content).decode(),
                    "cluster": form.cleaned_data["cluster"].pk,
                    "publish": form.cleaned_data["publish"],
                }
                context["plan"] = plan
                context["counts"] = {
                    action: plan.count(action)
                    for action in ("create", "update", "unchanged", "reject")
                }
        return self._page(
            request, "admin/providers/import.html", _("Importer des prestataires"), **context
        )

    @admin.action(description=_("Fusionner deux fiches en double"), permissions=["change"])
    def merge(self, request, queryset):
        providers = list(queryset.select_related("seat")[:3])
        if len(providers) != 2:
            self.message_user(
                request, _("Sélectionnez exactement deux fiches à fusionner."), messages.ERROR
            )
            return None
        if request.POST.get("confirm") == "yes":
            keep_id = request.POST.get("keep", "")
            keep = next((p for p in providers if str(p.pk) == keep_id), None)
            if keep is None:
                self.message_user(request, _("Choisissez la fiche à garder."), messages.ERROR)
            else:
                remove = next(p for p in providers if p.pk != keep.pk)
                kept = merge(keep, remove, request.user)
                self.message_user(
                    request,
                    _(
                        "« %(removed)s » a été fusionnée dans « %(kept)s » ; son adresse redirige "
                        "vers la fiche gardée."
                    )
                    % {"removed": remove.name, "kept": kept.name},
                    messages.SUCCESS,
                )
                return None
        return self._page(
            request,
            "admin/providers/merge.html",
            _("Fusionner deux fiches"),
            providers=providers,
            action_checkbox_name=admin.helpers.ACTION_CHECKBOX_NAME,
        )
