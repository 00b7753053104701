"""Text helpers shared by territories, search and imports."""

import re
import unicodedata

from django.utils.text import slugify

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text):
    """Lower-case, accent-free, punctuation-free form used for matching names.

    >>> fold("L'Haÿ-les-Roses  (Œuvre)")
    'l hay les roses oeuvre'
    """
    text = unicodedata.normalize("NFKD", str(text).translate(_LIGATURES))
    text = "".join(char for char in text if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def slug_for(text, max_length=200):
    """URL slug that keeps word boundaries at apostrophes ("L'Isle" -> "l-isle")."""
    return slugify(fold(text))[:max_length].strip("-")
