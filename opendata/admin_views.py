"""The admin page that imports a national catalogue's file (issue #13): upload, the dry
run record by record (questions answered by ticking), then confirm. The same steps as the
spreadsheet import (providers.curation.admin_views), for superusers and for moderators, who
import into their own clusters and cannot touch a listing outside them.

Between the dry run and the confirmation the session keeps the records read, not the
file: the SILL's sill.json weighs megabytes, its providers a few kilobytes. The confirm
form carries the token of its dry run, so that confirming a page left open in another tab
never imports the file sent since. Confirming plans again against the database as it is
then.
"""

import datetime
import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Cluster, Provider

from .source_imports import apply_source
from .source_plans import Decision, count_decisions, plan_source
from .sources import (
    MAX_BYTES,
    Source,
    SourceFile,
    SourceFileError,
    check_size,
    read_source,
)

SESSION_KEY = "opendata_import_source"
UNSORTED = "a-classer"  # the cluster choice of superusers: in no cluster yet


class SourceImportForm(forms.Form):
    source = forms.ChoiceField(label=_("Catalogue"), choices=Source.choices)
    file = forms.FileField(
        label=_("Fichier JSON du catalogue"),
        help_text=_(
            "SILL : sill.json ; CNLL : prestataires-sill.json ; Comptoir du Libre : son export "
            "JSON. %(size)d Mo au plus."
        )
        % {"size": MAX_BYTES // (1024 * 1024)},
    )
    file_date = forms.DateField(
        label=_("Date du fichier"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_(
            "Le jour où il a été téléchargé. Vide : la date qu'il indique (Comptoir du "
            "Libre), sinon aujourd'hui."
        ),
    )
    cluster = forms.ChoiceField(label=_("Grappe des nouveaux brouillons"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(pk), name) for pk, name in self.clusters(user).values_list("pk", "name")]
        if user.is_superuser:
            choices.insert(0, (UNSORTED, _("À classer (les superutilisateurs les répartissent)")))
        self.fields["cluster"].choices = choices

    @staticmethod
    def clusters(user):
        return Cluster.objects.curated_by(user).order_by("name")


def _provider_admin():
    return admin.site._registry[Provider]


def import_source_view(request):
    model_admin = _provider_admin()
    if not (model_admin.has_add_permission(request) and model_admin.has_change_permission(request)):
        raise PermissionDenied
    form = SourceImportForm(request.POST or None, request.FILES or None, user=request.user)
    context = {"form": form}
    stored = request.session.get(SESSION_KEY)
    if request.method == "POST" and request.POST.get("confirm"):
        if not stored or request.POST.get("token") != stored.get("token"):
            # Nothing kept, or the dry run of another file sent since (another tab).
            messages.error(
                request,
                _(
                    "Cet essai à blanc n'est plus le dernier envoyé : envoyez de nouveau le "
                    "fichier pour le confirmer."
                ),
            )
            return redirect("opendata_import_source")
        return _confirm(request, stored)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            check_size(upload.size)  # before reading it into memory
            source_file = read_source(form.cleaned_data["source"], upload.read())
        except SourceFileError as error:
            form.add_error("file", str(error))
        else:
            file_date = form.cleaned_data["file_date"] or source_file.date or timezone.localdate()
            cluster = form.cleaned_data["cluster"]
            token = secrets.token_urlsafe(12)
            request.session[SESSION_KEY] = {
                "token": token,
                "file": source_file.to_data(),
                "file_date": file_date.isoformat(),
                "cluster": cluster,
            }
            plans = plan_source(source_file, file_date=file_date, user=request.user)
            context.update(
                plans=plans,
                token=token,
                counts=count_decisions(plans),
                file_date=file_date,
                source_label=Source(source_file.source).label,
                writes=any(plan.writes or plan.decision == Decision.ASK for plan in plans),
            )
    return model_admin._page(
        request, "admin/opendata/import_source.html", _("Importer un catalogue national"), **context
    )


def _confirm(request, stored):
    source_file = SourceFile.from_data(stored["file"])
    file_date = datetime.date.fromisoformat(stored["file_date"])
    cluster = None
    if stored["cluster"] != UNSORTED or not request.user.is_superuser:
        cluster = SourceImportForm.clusters(request.user).filter(pk=stored["cluster"]).first()
        if cluster is None:
            raise PermissionDenied
    accept = set(request.POST.getlist("accept"))
    plans = plan_source(source_file, file_date=file_date, user=request.user, accept=accept)
    try:
        result = apply_source(
            plans,
            source=source_file.source,
            file_date=file_date,
            user=request.user,
            cluster=cluster,
        )
    except DatabaseError:  # a listing changed in between (a SIREN taken): nothing written
        messages.error(
            request,
            _(
                "Une fiche a changé pendant l'import : rien n'a été enregistré. Envoyez de "
                "nouveau le fichier pour un nouvel essai à blanc."
            ),
        )
        return redirect("opendata_import_source")
    del request.session[SESSION_KEY]
    messages.success(request, _("Import terminé : %(result)s.") % {"result": result})
    return redirect("admin:providers_moderation")
