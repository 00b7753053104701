import base64
import datetime

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from annuaire.text import fold
from offerings.models import Offering, ServiceKind, Software
from territories.admin import RegionFilter
from territories.models import Territory

from . import moderation
from .exports import HEADER
from .imports import ImportFileError, apply_import, plan_import
from .models import (
    Cluster,
    Label,
    Provider,
    Report,
    Revision,
    SlugRedirect,
    Status,
    within_scope,
)
from .queue import DecisionError, decide, moderation_queue


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


class OfferingInline(admin.TabularInline):
    model = Offering
    extra = 1
    fields = ["software", "service_kinds", "description"]
    autocomplete_fields = ["software"]
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
        models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 40})},
    }

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("software")
            .prefetch_related("service_kinds")
        )


class SoftwareFilter(admin.SimpleListFilter):
    title = _("logiciel")
    parameter_name = "logiciel"

    def lookups(self, request, model_admin):
        return list(Software.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(offerings__software__slug=self.value()).distinct()
        return queryset


class ServiceKindFilter(admin.SimpleListFilter):
    title = _("type de service")
    parameter_name = "service"

    def lookups(self, request, model_admin):
        return list(ServiceKind.objects.values_list("slug", "name"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(offerings__service_kinds__slug=self.value()).distinct()
        return queryset


class ProviderRegionFilter(RegionFilter):
    lookup = "seat__region"


class ClusterFilter(admin.SimpleListFilter):
    """The clusters the user moderates (all of them for a superuser)."""

    title = _("grappe régionale")
    parameter_name = "grappe"

    def lookups(self, request, model_admin):
        clusters = Cluster.objects.all()
        if not request.user.is_superuser:
            clusters = clusters.filter(moderators=request.user)
        return [(str(pk), name) for pk, name in clusters.values_list("pk", "name")]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(cluster_id=int(self.value()))
        return queryset


class ProviderAdminForm(forms.ModelForm):
    """Refuses a change that would take the provider out of the moderator's clusters."""

    def clean(self):
        cleaned = super().clean()
        if not within_scope(self.current_user, cleaned.get("cluster"), cleaned.get("seat")):
            raise forms.ValidationError(
                _(
                    "Ce prestataire sortirait de votre périmètre : choisissez l'une de vos "
                    "grappes ou une commune de siège située dans leurs régions."
                )
            )
        return cleaned


class SharedSlugAdminMixin:
    """Software and labels are shared by every cluster and their slugs are in public
    URLs (?logiciel=dolibarr): only superusers change a slug."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if request.user.is_superuser else [*readonly, "slug"]

    def get_prepopulated_fields(self, request, obj=None):
        if not request.user.is_superuser:
            return {}
        return super().get_prepopulated_fields(request, obj)


IMPORT_SESSION_KEY = "providers_import"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Fichier CSV ou XLSX"),
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


class WebsiteFilter(admin.SimpleListFilter):
    """Listings whose website stopped answering (manage.py check_websites)."""

    title = _("site web")
    parameter_name = "site"

    def lookups(self, request, model_admin):
        return [("injoignable", _("Injoignable (signalé)")), ("masque", _("Masqué du public"))]

    def queryset(self, request, queryset):
        if self.value() == "injoignable":
            return queryset.filter(
                website_failure_days__gte=settings.ANNUAIRE["WEBSITE_FLAG_AFTER_DAYS"]
            )
        if self.value() == "masque":
            return queryset.filter(hidden_unreachable=True)
        return queryset


class StalenessFilter(admin.SimpleListFilter):
    title = _("vérification")
    parameter_name = "verification"

    def lookups(self, request, model_admin):
        return [("ancienne", _("Plus d'un an")), ("relancee", _("Relancée, sans réponse"))]

    def queryset(self, request, queryset):
        if self.value() == "ancienne":
            limit = timezone.now() - datetime.timedelta(days=settings.ANNUAIRE["STALE_AFTER_DAYS"])
            return queryset.filter(Q(last_verified_at__lt=limit) | Q(last_verified_at__isnull=True))
        if self.value() == "relancee":
            return queryset.filter(reminded_at__isnull=False)
        return queryset


@admin.register(Provider)
class ProviderAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    form = ProviderAdminForm
    list_display = [
        "name",
        "seat",
        "region",
        "cluster",
        "status",
        "website_state",
        "accepts_new_clients",
        "last_verified_at",
        "updated_at",
    ]
    list_select_related = ["seat__region", "cluster"]
    list_filter = [
        "status",
        ClusterFilter,
        ProviderRegionFilter,
        SoftwareFilter,
        ServiceKindFilter,
        WebsiteFilter,
        StalenessFilter,
        "accepts_new_clients",
        "serves_whole_country",
        "workforce",
    ]
    search_fields = ["name", "siren", "website", "email"]
    search_help_text = _("Nom, SIREN, site web, e-mail ou commune du siège.")
    autocomplete_fields = ["seat", "service_areas"]
    filter_horizontal = ["labels"]
    readonly_fields = [
        "created_at",
        "updated_at",
        "published_at",
        "email_confirmed_at",
        "reminded_at",
        "website_report",
    ]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [OfferingInline]
    actions = ["publish", "archive", "merge"]
    list_per_page = 50
    history_list_display = ["status"]
    fieldsets = [
        (
            _("Identité"),
            {
                "fields": [
                    "name",
                    "slug",
                    "siren",
                    "description",
                    "website",
                    "email",
                    "show_email",
                    "phone",
                ]
            },
        ),
        (_("Siège"), {"fields": ["address", "postal_code", "seat"]}),
        (_("Zones d'intervention"), {"fields": ["serves_whole_country", "service_areas"]}),
        (
            _("Entreprise"),
            {"fields": ["workforce", "year_founded", "labels", "accepts_new_clients"]},
        ),
        (
            _("Modération"),
            {
                "fields": [
                    "cluster",
                    "status",
                    "last_verified_at",
                    "reminded_at",
                    "email_confirmed_at",
                    "website_report",
                    "created_at",
                    "updated_at",
                    "published_at",
                ]
            },
        ),
    ]

    def scope(self, request, queryset):
        return queryset.editable_by(request.user)

    def get_search_results(self, request, queryset, search_term):
        """Also match the seat commune, ignoring accents ("evry" finds Évry-Courcouronnes)."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded:
            results |= queryset.filter(seat__search_name__contains=folded)
        return results, may_have_duplicates

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        form.current_user = request.user
        if not request.user.is_superuser and "cluster" in form.base_fields:
            # Their own clusters, and the provider's current one (kept as it is).
            current = obj.cluster_id if obj else None
            form.base_fields["cluster"].queryset = Cluster.objects.filter(
                Q(moderators=request.user) | Q(pk=current)
            ).distinct()
        return form

    def save_model(self, request, obj, form, change):
        if obj.status == Status.PUBLISHED and "status" in form.changed_data:
            obj.last_verified_at = timezone.now()
            obj.reminded_at = None
        super().save_model(request, obj, form, change)

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

    def moderation_view(self, request):
        """The review queue: confirmed submissions, owners' revisions, reports; oldest first."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queue = moderation_queue(request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": _("File de modération"),
            "opts": self.model._meta,
            **queue,
        }
        return TemplateResponse(request, "admin/providers/moderation.html", context)

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
        clusters = Cluster.objects.all()
        if not request.user.is_superuser:
            clusters = clusters.filter(moderators=request.user)
        form = ImportForm(request.POST or None, request.FILES or None, clusters=clusters)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Importer des prestataires"),
            "opts": self.model._meta,
            "form": form,
            "columns": HEADER,
        }
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
        return TemplateResponse(request, "admin/providers/import.html", context)

    @admin.display(description=_("région"), ordering="seat__region__name")
    def region(self, provider):
        return provider.seat.region

    @admin.display(description=_("site web"))
    def website_state(self, provider):
        if provider.hidden_unreachable:
            return _("masqué (injoignable)")
        if provider.website_failure_days >= settings.ANNUAIRE["WEBSITE_FLAG_AFTER_DAYS"]:
            return _("injoignable depuis %(days)d jours") % {"days": provider.website_failure_days}
        return "—" if not provider.website_checked_at else _("répond")

    @admin.display(description=_("vérification du site"))
    def website_report(self, provider):
        if not provider.website_checked_at:
            return _("jamais vérifié")
        if not provider.website_failure_days:
            return _("répond (vérifié le %(date)s)") % {
                "date": date_format(provider.website_checked_at, "SHORT_DATETIME_FORMAT")
            }
        return _("%(days)d jour(s) d'échec : %(error)s") % {
            "days": provider.website_failure_days,
            "error": provider.website_error,
        }

    @admin.action(description=_("Publier les prestataires sélectionnés"), permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.exclude(status=Status.PUBLISHED).publish(user=request.user)
        self.message_user(
            request,
            ngettext("%d prestataire publié.", "%d prestataires publiés.", count) % count,
            messages.SUCCESS,
        )

    @admin.action(description=_("Archiver les prestataires sélectionnés"), permissions=["change"])
    def archive(self, request, queryset):
        count = queryset.exclude(status=Status.ARCHIVED).archive(user=request.user)
        self.message_user(
            request,
            ngettext("%d prestataire archivé.", "%d prestataires archivés.", count) % count,
            messages.SUCCESS,
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
                kept = moderation.merge(keep, remove, request.user)
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
        context = {
            **self.admin_site.each_context(request),
            "title": _("Fusionner deux fiches"),
            "opts": self.model._meta,
            "providers": providers,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/providers/merge.html", context)


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    """Clusters are set up by superusers; a moderator sees only their own."""

    list_display = ["name", "region_names", "provider_count", "website"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["regions"]
    autocomplete_fields = ["moderators"]

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(provider_count=Count("providers", distinct=True))
            .prefetch_related("regions")
        )
        if not request.user.is_superuser:
            queryset = queryset.filter(moderators=request.user)
        return queryset

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "regions":
            kwargs["queryset"] = Territory.objects.regions()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description=_("régions"))
    def region_names(self, cluster):
        return ", ".join(region.name for region in cluster.regions.all())

    @admin.display(description=_("prestataires"), ordering="provider_count")
    def provider_count(self, cluster):
        return cluster.provider_count


@admin.register(Label)
class LabelAdmin(SharedSlugAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "software", "website"]
    list_filter = ["kind"]
    list_select_related = ["software"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["software"]


@admin.register(Revision)
class RevisionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Owners' proposals, for the record; decisions are taken in the moderation queue."""

    list_display = ["provider", "status", "submitted_by_email", "created_at", "reviewed_by"]
    list_filter = ["status"]
    list_select_related = ["provider", "reviewed_by"]
    search_fields = ["provider__name", "submitted_by_email"]
    readonly_fields = [
        "provider",
        "status",
        "submitted_by_email",
        "created_at",
        "reviewed_at",
        "reviewed_by",
        "review_note",
        "changes",
    ]
    exclude = ["data"]

    def scope(self, request, queryset):
        return queryset.filter(provider__in=Provider.objects.editable_by(request.user))

    @admin.display(description=_("modifications"))
    def changes(self, revision):
        rows = moderation.diff(revision.provider, revision.data)
        return format_html_join(
            "\n", "<p><strong>{}</strong> : {} → {}</p>", ((a, b, c) for a, b, c in rows)
        ) or _("aucune")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Report)
class ReportAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["provider", "status", "created_at", "handled_by"]
    list_filter = ["status"]
    list_select_related = ["provider", "handled_by"]
    search_fields = ["provider__name", "message"]
    readonly_fields = ["provider", "message", "email", "created_at", "handled_at", "handled_by"]

    def scope(self, request, queryset):
        return queryset.filter(provider__in=Provider.objects.editable_by(request.user))

    def has_add_permission(self, request):
        return False


@admin.register(SlugRedirect)
class SlugRedirectAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["old_slug", "provider", "created_at"]
    search_fields = ["old_slug", "provider__name"]
    autocomplete_fields = ["provider"]

    def scope(self, request, queryset):
        return queryset.filter(provider__in=Provider.objects.editable_by(request.user))
