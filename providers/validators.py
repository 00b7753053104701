"""Validators for provider identity fields."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_PHONE = re.compile(r"^\+?[0-9 .()\-]{6,25}$")


def normalize_siren(value):
    """Strip the spaces, dots and dashes people type inside a SIREN ("123 456 789")."""
    return re.sub(r"[\s.\-]", "", value or "")


def luhn_is_valid(digits):
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def validate_siren(value):
    """A SIREN is 9 digits whose Luhn checksum is valid (INSEE's rule)."""
    siren = normalize_siren(value)
    if not (len(siren) == 9 and siren.isascii() and siren.isdigit()):
        raise ValidationError(
            _("Un SIREN compte exactement 9 chiffres (par exemple 552 100 554)."), code="format"
        )
    if not luhn_is_valid(siren):
        raise ValidationError(
            _("Ce SIREN n'existe pas : sa clé de contrôle est fausse. Vérifiez les chiffres."),
            code="checksum",
        )


def validate_phone(value):
    if not _PHONE.match(value) or sum(char.isdigit() for char in value) < 6:
        raise ValidationError(
            _("Numéro de téléphone invalide, par exemple 01 23 45 67 89 ou +33 1 23 45 67 89."),
            code="phone",
        )


def validate_year_founded(value):
    this_year = datetime.date.today().year
    if not 1800 <= value <= this_year:
        raise ValidationError(
            _("Année de création attendue entre 1800 et %(year)s."),
            params={"year": this_year},
            code="year",
        )
