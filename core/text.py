"""Text helpers shared by territories, search and imports."""

import re
import unicodedata
from functools import cache

import snowballstemmer
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


# Words that carry no meaning in a directory query ("formation à Dolibarr près de Lyon").
STOPWORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "chez",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "mon",
        "ma",
        "mes",
        "notre",
        "nos",
        "ou",
        "par",
        "pour",
        "pres",
        "proche",
        "sur",
        "un",
        "une",
        "vers",
        "vos",
        "votre",
        "y",
        "the",
        "and",
        "of",
        "for",
        "in",
        "near",
    ]
)
_MAX_TOKEN_LENGTH = 40


@cache
def _stemmer():
    return snowballstemmer.stemmer("french")


def search_tokens(text, *, keep_stopwords=False):
    """Folded, French-stemmed tokens of `text`, in order, without duplicates.

    The same function prepares stored search documents and queries, so that
    matching behaves identically on PostgreSQL and SQLite:
    "Hébergements Nextcloud à Évry" -> ["heberg", "nextcloud", "evry"].
    """
    words = [w[:_MAX_TOKEN_LENGTH] for w in fold(text).split()]
    if not keep_stopwords:
        words = [w for w in words if w not in STOPWORDS]
    stems = _stemmer().stemWords(words)
    return list(dict.fromkeys(stem for stem in stems if stem))


def clean_text(value, limit, *, keep_newlines=False):
    """Drop control and format characters (NUL breaks PostgreSQL) and extra spaces;
    return (text at most `limit` long, whether it was longer)."""
    lines = str(value).replace("\r\n", "\n").split("\n") if keep_newlines else [str(value)]
    cleaned = []
    for line in lines:
        line = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in line)
        cleaned.append(" ".join(line.split()))
    text = "\n".join(cleaned).strip()
    return text[:limit], len(text) > limit
