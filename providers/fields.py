from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import normalize_siren, validate_siren


class SirenFormField(forms.CharField):
    """Accepts "552 100 554" or "552.100.554" as people type it; cleans to "552100554"."""

    def to_python(self, value):
        return normalize_siren(super().to_python(value))


class SirenField(models.CharField):
    """A SIREN: stored as 9 digits, Luhn-checked, typed with or without separators."""

    default_validators = [validate_siren]
    description = _("SIREN (9 chiffres)")

    def __init__(self, *args, **kwargs):
        kwargs["max_length"] = 9
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        return normalize_siren(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = normalize_siren(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value

    def formfield(self, **kwargs):
        # Room for the separators people type; the stored value is checked at 9 digits.
        return super().formfield(**{"form_class": SirenFormField, "max_length": 17, **kwargs})
