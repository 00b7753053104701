"""Places typed as text in forms and imports, resolved to exactly one territory."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Level, Territory
from .resolution import resolve


def resolve_strictly(text, *, communes_only=False):
    """The one current territory `text` designates ("Évry", "91000", a displayed label),
    or a ValidationError saying why not. Unlike the search's « Où ? », nothing is
    guessed: a typo or an ambiguous name is refused, with the likely places."""
    exact = Territory.objects.current().filter(label=text).first()
    resolution = None if exact else resolve(text)
    guesses = []
    if resolution is not None and resolution.corrected:
        guesses = [resolution.territory] if resolution.territory else resolution.choices
    if guesses:
        # A typo is not silently replaced in a listing: say so, with likely places.
        raise ValidationError(
            _("Lieu inconnu : « %(text)s ». Vouliez-vous dire « %(places)s » ?"),
            params={"text": text, "places": " », « ".join(str(g) for g in guesses[:3])},
            code="unknown",
        )
    if resolution is not None and resolution.ambiguous:
        choices = ", ".join(str(choice) for choice in resolution.choices[:5])
        raise ValidationError(
            _("« %(text)s » est ambigu : précisez, par exemple %(choices)s."),
            params={"text": text, "choices": choices},
            code="ambiguous",
        )
    territory = exact or resolution.territory
    if territory is None or (communes_only and territory.level != Level.COMMUNE):
        raise ValidationError(
            _("Commune inconnue : « %(text)s ». Indiquez son nom ou son code postal.")
            if communes_only
            else _("Lieu inconnu : « %(text)s »."),
            params={"text": text},
            code="unknown",
        )
    return territory


class PlaceField(forms.CharField):
    """A place typed as text ("Évry", "91000") resolved to one territory."""

    def __init__(self, *args, communes_only=False, **kwargs):
        self.communes_only = communes_only
        kwargs.setdefault("max_length", 120)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        return resolve_strictly(text, communes_only=self.communes_only)
