"""Validation of software metadata: SPDX licence expressions and catalogue ids."""

import json
import re
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

DATA_DIR = Path(__file__).resolve().parent / "data"
OPERATORS = {"AND", "OR", "WITH"}
_TOKEN = re.compile(r"\(|\)|[^\s()]+")

validate_wikidata_id = RegexValidator(
    r"^Q[1-9][0-9]{0,11}$", _("Identifiant Wikidata attendu, par exemple Q25874683.")
)


@cache
def spdx_ids():
    ids = set()
    for name in ("spdx-license-ids.json", "spdx-license-ids-deprecated.json"):
        ids.update(json.loads((DATA_DIR / name).read_text(encoding="utf-8")))
    return frozenset(ids)


def validate_spdx_expression(value):
    """Accept an SPDX licence expression such as "GPL-3.0-or-later" or "MIT OR Apache-2.0"."""
    tokens = _TOKEN.findall(value)
    if not tokens:
        raise ValidationError(_("Indiquez un identifiant de licence SPDX."))
    expect_id = True
    after_with = False
    depth = 0
    for token in tokens:
        if token == "(":
            depth += 1
            continue
        if token == ")":
            depth -= 1
            if depth < 0:
                break
            continue
        if expect_id:
            if token in OPERATORS:
                break
            base = token.removesuffix("+")
            known = base in spdx_ids() or base.startswith("LicenseRef-")
            if not after_with and not known:
                raise ValidationError(
                    _("« %(token)s » n'est pas un identifiant SPDX connu, voir spdx.org/licenses."),
                    params={"token": token},
                )
            expect_id = False
            after_with = False
        else:
            if token not in OPERATORS:
                break
            after_with = token == "WITH"
            expect_id = True
    else:
        if depth == 0 and not expect_id:
            return
    raise ValidationError(
        _("Expression de licence SPDX mal formée, par exemple « MIT OR Apache-2.0 »."),
    )
