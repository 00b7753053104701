"""Public forms: « Référencer mon entreprise », owners' updates, « Signaler une erreur »."""

from difflib import SequenceMatcher

from django import forms
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.text import clean_text, fold
from offerings.models import ServiceKind, Software
from providers.models import LISTING_FIELDS, Label, Provider, Report, Workforce, website_domain
from territories.forms import PlaceField

MAX_AREA_LINES = 30
MAX_UNKNOWN_AREAS = 3  # unknown places reported before the rest is left unchecked
MAX_OFFERING_ROWS = 30
OFFERINGS_PREFIX = "offres"
TIMESTAMP_SALT = "annuaire.forms.started"


class SpamGuardMixin(forms.Form):
    """Honeypot field and minimum fill time, without any third-party captcha."""

    # A field people never see nor reach; robots fill it in.
    nickname = forms.CharField(
        label=_("Laissez ce champ vide"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["started"] = signing.TimestampSigner(salt=TIMESTAMP_SALT).sign(
            str(int(timezone.now().timestamp()))
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("nickname"):
            raise ValidationError(
                _(
                    "Envoi bloqué par le filtre anti-spam : "
                    "videz le champ « Laissez ce champ vide »."
                ),
                code="honeypot",
            )
        signer = signing.TimestampSigner(salt=TIMESTAMP_SALT)
        try:
            started = int(signer.unsign(self.data.get(self.add_prefix("started"), ""), 86400))
        except (signing.BadSignature, ValueError):
            raise ValidationError(
                _("Le formulaire a expiré : vérifiez vos informations et envoyez-le de nouveau."),
                code="expired",
            ) from None
        if timezone.now().timestamp() - started < settings.FORM_MIN_SECONDS:
            raise ValidationError(
                _("Envoi trop rapide : vérifiez vos informations et envoyez-le de nouveau."),
                code="too_fast",
            )
        return cleaned


class ProviderForm(SpamGuardMixin, forms.ModelForm):
    """A listing as its company describes it; used for new submissions and owners' edits."""

    seat_text = PlaceField(
        label=_("Commune du siège"),
        communes_only=True,
        help_text=_("Nom ou code postal, par exemple « Évry-Courcouronnes » ou « 91000 »."),
        widget=forms.TextInput(
            attrs={
                "list": "places",
                "autocomplete": "off",
                "data-suggest-url": reverse_lazy("place_suggestions"),
            }
        ),
    )
    areas_text = forms.CharField(
        label=_("Zones d'intervention"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Une par ligne : communes, intercommunalités, départements ou régions "
            "(« Essonne », « Île-de-France », « 91000 »…)."
        ),
    )
    confirm_not_duplicate = forms.BooleanField(
        label=_("Je confirme qu'il s'agit d'une autre entreprise que celles signalées ci-dessus."),
        required=False,
    )

    class Meta:
        model = Provider
        fields = [*LISTING_FIELDS, "labels"]
        widgets = {
            "labels": forms.CheckboxSelectMultiple,
            "description": forms.Textarea(attrs={"rows": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.duplicates = []
        for name in ("siren", "email", "description"):
            self.fields[name].required = True
        self.fields["email"].help_text = _(
            "Nous y envoyons le lien de confirmation, puis les liens de mise à jour. "
            "Elle n'est publiée que si vous cochez la case ci-dessous."
        )
        self.fields["workforce"].choices = [("", _("Non précisé")), *Workforce.choices]
        self.fields["labels"].queryset = Label.objects.order_by("name")
        self.fields["description"].help_text = _(
            "Ce que fait l'entreprise, pour qui, comment. 2 000 caractères au plus."
        )
        if self.instance.pk and not self.is_bound:
            self.initial["seat_text"] = str(self.instance.seat)
            self.initial["areas_text"] = "\n".join(
                str(area) for area in self.instance.service_areas.all()
            )

    def clean_name(self):
        name, _truncated = clean_text(self.cleaned_data["name"], 200)
        return name

    def clean_areas_text(self):
        lines = [clean_text(line, 120)[0] for line in self.cleaned_data["areas_text"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_AREA_LINES:
            raise ValidationError(
                _("%(n)d zones au plus ; regroupez-les (département, région)."),
                params={"n": MAX_AREA_LINES},
            )
        areas, errors = [], []
        place = PlaceField()
        unique = list(dict.fromkeys(lines))
        for checked, line in enumerate(unique, start=1):
            try:
                areas.append(place.clean(line))
            except ValidationError as error:
                errors.extend(error.messages)
            if len(errors) >= MAX_UNKNOWN_AREAS and checked < len(unique):
                # Each unknown place costs a typo search: stop looking, say so.
                errors.append(_("Les lignes suivantes n'ont pas été vérifiées."))
                break
        if errors:
            raise ValidationError(errors)
        return list(dict.fromkeys(areas))

    def clean(self):
        cleaned = super().clean()
        missing_areas = not cleaned.get("serves_whole_country") and not cleaned.get("areas_text")
        if missing_areas and "areas_text" not in self.errors:
            self.add_error(
                "areas_text",
                _("Indiquez au moins une zone d'intervention, ou cochez « toute la France »."),
            )
        return cleaned

    def find_duplicates(self):
        """Existing listings that look like this one: same website domain, or a very
        similar name in the same département. (A same SIREN is refused outright.)"""
        seat = self.cleaned_data.get("seat_text")
        domain = website_domain(self.cleaned_data.get("website", ""))
        name = fold(self.cleaned_data.get("name", ""))
        # Only public listings: pending or archived ones are nobody else's business.
        others = Provider.objects.published().exclude(pk=self.instance.pk).select_related("seat")
        found = {}
        if domain:
            for provider in others.filter(website__icontains=domain)[:20]:
                if website_domain(provider.website) == domain:
                    found[provider.pk] = (provider, _("même site web"))
        if seat is not None and name:
            for provider in others.filter(seat__departement=seat.departement_id)[:500]:
                if SequenceMatcher(None, name, fold(provider.name)).ratio() >= 0.85:
                    reason = _("nom très proche, même département")
                    found.setdefault(provider.pk, (provider, reason))
        self.duplicates = list(found.values())
        return self.duplicates


def shown_as_typed(form, formset):
    """Mark bound forms as already cleaned, without errors, so that rendering them again
    (« Ajouter une ligne d'offre ») never runs their validation: widgets read `errors` for
    aria-invalid, which would otherwise clean every field. Django keeps `_errors` None
    until it cleans; an empty ErrorDict means « nothing to report »."""
    for bound in (form, *formset.forms):
        bound._errors = ErrorDict()
        bound.cleaned_data = {}
    formset._errors = [ErrorDict() for _ in formset.forms]
    formset._non_form_errors = formset.error_class()


def listing_data(form, formset):
    """The listing a valid ProviderForm and its offering rows describe, in the shape of
    `Revision.data` (see curation.snapshots)."""
    cleaned = form.cleaned_data
    return {
        "fields": {name: cleaned[name] for name in LISTING_FIELDS},
        "seat": cleaned["seat_text"].pk,
        "service_areas": sorted(area.pk for area in cleaned["areas_text"]),
        "labels": sorted(label.pk for label in cleaned["labels"]),
        "offerings": formset.offerings_data(),
    }


class OfferingRowForm(forms.Form):
    software = forms.ModelChoiceField(
        label=_("Logiciel"), queryset=Software.objects.order_by("name"), required=False
    )
    service_kinds = forms.ModelMultipleChoiceField(
        label=_("Services"),
        queryset=ServiceKind.objects.all(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    description = forms.CharField(
        label=_("Précisions (facultatif)"), required=False, max_length=500
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("software") and not cleaned.get("service_kinds"):
            self.add_error("service_kinds", _("Cochez au moins un service pour ce logiciel."))
        if cleaned.get("service_kinds") and not cleaned.get("software"):
            self.add_error("software", _("Choisissez le logiciel concerné."))
        return cleaned


class BaseOfferingFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        seen = set()
        rows = 0
        for form in self.forms:
            software = form.cleaned_data.get("software")
            if not software:
                continue
            if software in seen:
                form.add_error("software", _("Ce logiciel figure déjà sur une autre ligne."))
            seen.add(software)
            rows += 1
        if not rows:
            raise ValidationError(
                _("Indiquez au moins une offre : un logiciel et les services proposés."),
                code="no_offering",
            )

    def offerings_data(self):
        return [
            {
                "software": form.cleaned_data["software"].pk,
                "service_kinds": sorted(kind.pk for kind in form.cleaned_data["service_kinds"]),
                "description": form.cleaned_data.get("description", ""),
            }
            for form in self.forms
            if form.cleaned_data.get("software")
        ]


OfferingFormSet = forms.formset_factory(
    OfferingRowForm,
    formset=BaseOfferingFormSet,
    extra=0,
    max_num=MAX_OFFERING_ROWS,
    validate_max=True,
    absolute_max=MAX_OFFERING_ROWS,
)


def offering_formset(data=None, provider=None, extra_rows=0):
    """The offerings rows: the provider's current ones, plus empty rows to fill."""
    initial = []
    if provider is not None and provider.pk:
        initial = [
            {
                "software": offering.software_id,
                "service_kinds": [kind.pk for kind in offering.service_kinds.all()],
                "description": offering.description,
            }
            for offering in provider.offerings.all()
        ]
    formset = OfferingFormSet(data=data, initial=initial, prefix=OFFERINGS_PREFIX)
    if data is None:
        formset.extra = max(3 - len(initial), 1) + extra_rows
    return formset


class ReportForm(SpamGuardMixin, forms.ModelForm):
    class Meta:
        model = Report
        fields = ["message", "email"]
        widgets = {"message": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "message": _("Par exemple : « le téléphone a changé », « ne fait plus de Moodle »."),
            "email": _("Facultatif, si vous souhaitez une réponse. Elle n'est pas publiée."),
        }

    def clean_message(self):
        message, _truncated = clean_text(self.cleaned_data["message"], 2000, keep_newlines=True)
        if len(message) < 5:
            raise ValidationError(_("Décrivez l'erreur en quelques mots."))
        return message
