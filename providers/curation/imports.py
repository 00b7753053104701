"""Spreadsheet import for moderators: the columns of the exports, read back.

`read_table` turns an uploaded CSV, XLSX or ODS into rows (UTF-8 with or without BOM,
Windows-1252 as Excel in France writes it; « ; », « , » or tab separators). A workbook is a
zip archive: its entries and their unpacked sizes are checked before anything is parsed
(a 413 KB file can unpack to 400 MB), then its first sheet is streamed row by row with a
bound on rows and columns: openpyxl's read-only mode for XLSX, and for ODS a reader written
here over defusedxml's iterparse, because python-calamine (the library that reads ODS)
builds the whole sheet in memory as a dense grid from A1 to the furthest cell: a 4.8 KB
file holding two cells (A1 and ALL20000) took 611 MB to open;
`plan_import` checks every row and says, line by line, what would be created,
updated or refused and why; `apply_import` applies a plan without refused rows,
all in one transaction.
"""

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from core.text import clean_text, fold
from offerings.models import ServiceKind, Software
from providers.exports import DISTANCE_COLUMN, HEADER, spreadsheet_text
from providers.models import Label, Provider, Status, Workforce, within_scope
from providers.search.indexer import deferred_refresh
from providers.validators import (
    normalize_siren,
    validate_phone,
    validate_siren,
    validate_year_founded,
)
from territories.forms import resolve_strictly
from territories.models import Territory

from .snapshots import apply_data, diff

MAX_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 40 * 1024 * 1024  # an export of 20,000 listings unpacks to ≈ 25 MB
MAX_ENTRIES = 100  # a workbook written by Excel or LibreOffice holds a dozen or two
MAX_COLUMNS = 60  # the export has 24
MAX_ROWS = 5000
REQUIRED = ("nom", "offres")
YES = {"oui", "o", "yes", "y", "true", "vrai", "1", "x"}
NO = {"non", "n", "no", "false", "faux", "0", ""}
SLUG_IN_URL = re.compile(r"/prestataires/([-a-z0-9]+)/?")


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers, size)."""


@dataclass
class RowPlan:
    line: int
    name: str
    action: str = "create"  # create, update, unchanged, reject
    errors: list = field(default_factory=list)
    changes: list = field(default_factory=list)
    provider_id: int | None = None
    data: dict | None = None


@dataclass
class ImportPlan:
    rows: list
    warnings: list = field(default_factory=list)

    def count(self, action):
        return sum(1 for row in self.rows if row.action == action)

    @property
    def rejected(self):
        return [row for row in self.rows if row.action == "reject"]

    @property
    def can_apply(self):
        return bool(self.rows) and not self.rejected


# Reading ----------------------------------------------------------------------------------


def _decode(content):
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return content.decode("cp1252")  # Excel in France, "CSV (séparateur : point-virgule)"


def _csv_rows(content):
    try:
        text = _decode(content)
    except UnicodeDecodeError:
        raise ImportFileError(_("Encodage illisible : enregistrez le fichier en UTF-8.")) from None
    first_line = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first_line.count)
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as error:
        raise ImportFileError(_("CSV illisible : %(error)s") % {"error": error}) from None


def _check_archive(content, kind):
    """Refuse a workbook whose zip archive would unpack to too much, before parsing it.
    The sizes come from the archive's directory; Python's zipfile never unpacks an entry
    past its declared size, so they cannot lie to what reads the entries next."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ImportFileError(
            _("Classeur %(kind)s illisible : %(error)s") % {"kind": kind, "error": error}
        ) from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > MAX_ENTRIES or unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "Classeur refusé : il se décompresse en %(size)d Mo et %(entries)d parties "
                "(%(max_size)d Mo et %(max_entries)d parties au plus). Enregistrez-le à "
                "nouveau depuis votre tableur, ou envoyez-le en CSV."
            )
            % {
                "size": unpacked // (1024 * 1024),
                "entries": len(entries),
                "max_size": MAX_UNPACKED_BYTES // (1024 * 1024),
                "max_entries": MAX_ENTRIES,
            }
        )


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a SIREN or a year, stored as a number
    return str(value)


def _xlsx_rows(content):
    _check_archive(content, "XLSX")
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = [
            [_cell_text(value) for value in row]
            for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 2, max_col=MAX_COLUMNS)
        ]
        workbook.close()
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as error:
        raise ImportFileError(_("Classeur XLSX illisible : %(error)s") % {"error": error}) from None
    return rows


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_ODS_TEXT_P = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"


def _ods_cell_text(cell):
    kind = cell.get(f"{_ODS_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return _cell_text(float(cell.get(f"{_ODS_OFFICE}value", "0")))
    if kind == "boolean":
        return "oui" if cell.get(f"{_ODS_OFFICE}boolean-value") == "true" else "non"
    if kind == "date":
        return cell.get(f"{_ODS_OFFICE}date-value", "")
    return "\n".join("".join(p.itertext()) for p in cell.iter(_ODS_TEXT_P))


def _repeat(element, name):
    try:
        return max(1, int(element.get(f"{_ODS_TABLE}number-{name}-repeated", "1")))
    except ValueError:
        return 1


def _ods_rows(content):
    """The first sheet of an ODS file, row by row. Repeated cells and rows (LibreOffice
    writes the empty end of a sheet as one row repeated a million times) are expanded
    only up to the last cell with content, within MAX_COLUMNS and MAX_ROWS."""
    _check_archive(content, "ODS")
    rows, blank_rows = [], 0
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open("content.xml") as xml:
            for _event, element in iterparse(xml, events=("end",), forbid_dtd=True):
                if element.tag == f"{_ODS_TABLE}table":
                    break  # the first sheet only
                if element.tag != f"{_ODS_TABLE}table-row":
                    continue
                cells, blank_cells = [], 0
                for cell in element:
                    if not cell.tag.endswith(("}table-cell", "}covered-table-cell")):
                        continue
                    text = _ods_cell_text(cell)
                    repeat = _repeat(cell, "columns")
                    if not text:
                        blank_cells += repeat
                        continue
                    cells.extend([""] * min(blank_cells, MAX_COLUMNS))
                    cells.extend([text] * min(repeat, MAX_COLUMNS))
                    blank_cells = 0
                    if len(cells) >= MAX_COLUMNS:
                        break
                repeat = _repeat(element, "rows")
                element.clear()
                if not cells:
                    blank_rows += repeat
                    continue
                rows.extend([[]] * min(blank_rows, MAX_ROWS + 2))
                rows.extend([cells[:MAX_COLUMNS]] * min(repeat, MAX_ROWS + 2))
                blank_rows = 0
                if len(rows) > MAX_ROWS + 1:
                    break
    except (
        KeyError,
        zipfile.BadZipFile,
        OSError,
        ValueError,
        SyntaxError,  # ElementTree's ParseError
        DefusedXmlException,
    ) as error:
        raise ImportFileError(_("Classeur ODS illisible : %(error)s") % {"error": error}) from None
    return rows[: MAX_ROWS + 2]


def read_table(name, content):
    """[(line number, {column: text})] from a CSV, XLSX or ODS file's bytes."""
    if len(content) > MAX_BYTES:
        raise ImportFileError(_("Fichier trop gros : 5 Mo au plus."))
    lower = name.lower()
    if lower.endswith(".ods"):
        rows = _ods_rows(content)
    elif lower.endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        rows = _xlsx_rows(content)
    elif lower.endswith((".csv", ".txt")):
        rows = _csv_rows(content)
    else:
        raise ImportFileError(_("Format non reconnu : envoyez un fichier .csv, .xlsx ou .ods."))
    if not rows:
        raise ImportFileError(_("Le fichier est vide."))
    header = [clean_text(cell, 60)[0].lower() for cell in rows[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise ImportFileError(
            _("Colonnes manquantes : %(columns)s. Partez d'un export de l'annuaire.")
            % {"columns": ", ".join(missing)}
        )
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise ImportFileError(_("%(n)d lignes au plus par import.") % {"n": MAX_ROWS})
    table = []
    for number, cells in enumerate(body, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        table.append((number, dict(zip(header, cells, strict=False))))
    # distance_km (an export from a commune) is computed, never imported: not worth a word.
    known = {*HEADER, DISTANCE_COLUMN.key}
    return table, [column for column in header if column and column not in known]


# Checking rows ----------------------------------------------------------------------------


class _Lookups:
    """Reference data, loaded once per import."""

    def __init__(self):
        self.software = {fold(s.name): s for s in Software.objects.all()}
        self.kinds = {}
        for kind in ServiceKind.objects.all():
            self.kinds[fold(kind.name)] = kind
            self.kinds[kind.slug] = kind
        self.labels = {fold(label.name): label for label in Label.objects.all()}
        self.workforce = {fold(label): code for code, label in Workforce.choices}
        self.workforce.update({code: code for code in Workforce.values})


def _split(value):
    return [part.strip() for part in re.split(r"\s*;\s*", value) if part.strip()]


def _place(text, errors, *, communes_only=False):
    try:
        return resolve_strictly(text, communes_only=communes_only)
    except ValidationError:
        errors.append(_("lieu inconnu ou ambigu : « %(text)s »") % {"text": text})
        return None


def _boolean(value, name, errors, default):
    folded = fold(value)
    if not value.strip():
        return default
    if folded in YES:
        return True
    if folded in NO:
        return False
    errors.append(_("%(column)s : « oui » ou « non » attendu") % {"column": name})
    return default


def _validated(value, validator, column, errors):
    if value:
        try:
            validator(value)
        except ValidationError as error:
            errors.append(f"{column} : {' '.join(error.messages)}")
    return value


def _unquote(value):
    """Remove the apostrophe the exports put before a formula-looking text (see
    spreadsheet_text)."""
    if value.startswith("'") and spreadsheet_text(value[1:]) == value:
        return value[1:]
    return value


def _row_data(cells, lookups, errors):
    cells = {key: _unquote(value) for key, value in cells.items()}

    def cell(name, limit=300):
        return clean_text(cells.get(name, ""), limit)[0]

    fields = {
        "name": cell("nom", 200),
        "siren": normalize_siren(cell("siren", 20)),
        "website": _validated(cell("site_web", 200), URLValidator(), "site_web", errors),
        "email": _validated(cell("email", 254), EmailValidator(), "email", errors),
        # An address in the spreadsheet is a published one (exports only carry those).
        "show_email": bool(cell("email", 254)),
        "phone": _validated(cell("telephone", 25), validate_phone, "telephone", errors),
        "address": cell("adresse", 255),
        "postal_code": cell("code_postal", 5),
        "description": clean_text(cells.get("description", ""), 5000, keep_newlines=True)[0],
        "serves_whole_country": _boolean(cell("toute_la_france"), "toute_la_france", errors, False),
        "accepts_new_clients": _boolean(
            cell("accepte_nouveaux_clients"), "accepte_nouveaux_clients", errors, True
        ),
    }
    if not fields["name"]:
        errors.append(_("nom manquant"))
    _validated(fields["siren"], validate_siren, "siren", errors)
    if fields["postal_code"] and not re.fullmatch(r"[0-9]{5}", fields["postal_code"]):
        errors.append(_("code_postal : 5 chiffres attendus"))
    workforce = cell("effectif")
    fields["workforce"] = lookups.workforce.get(fold(workforce), lookups.workforce.get(workforce))
    if workforce and fields["workforce"] is None:
        errors.append(_("effectif inconnu : « %(value)s »") % {"value": workforce})
    fields["workforce"] = fields["workforce"] or ""
    year = cell("annee_creation", 10)
    fields["year_founded"] = None
    if year:
        if year.removesuffix(".0").isdigit():
            fields["year_founded"] = int(year.removesuffix(".0"))
            _validated(fields["year_founded"], validate_year_founded, "annee_creation", errors)
        else:
            errors.append(_("annee_creation : une année attendue"))

    seat = None
    insee = cell("code_insee_siege", 10)
    if insee:
        seat = Territory.objects.communes().filter(code=insee).first()
        if seat is None:
            errors.append(_("code_insee_siege inconnu : « %(code)s »") % {"code": insee})
    elif cell("commune_siege"):
        seat = _place(cell("commune_siege"), errors, communes_only=True)
    else:
        errors.append(_("commune du siège manquante (commune_siege ou code_insee_siege)"))

    areas = [_place(text, errors) for text in _split(cell("zones_intervention", 3000))]
    labels = []
    for name in _split(cell("labels", 1000)):
        label = lookups.labels.get(fold(name))
        if label is None:
            errors.append(_("label inconnu : « %(name)s »") % {"name": name})
        labels.append(label)

    offerings = []
    for part in _split(cell("offres", 3000)):
        software_name, _sep, kinds_text = part.partition(":")
        software = lookups.software.get(fold(software_name))
        if software is None:
            errors.append(_("logiciel inconnu : « %(name)s »") % {"name": software_name.strip()})
            continue
        kinds = []
        for kind_name in filter(None, (k.strip() for k in kinds_text.split(","))):
            kind = lookups.kinds.get(fold(kind_name)) or lookups.kinds.get(kind_name)
            if kind is None:
                errors.append(_("service inconnu : « %(name)s »") % {"name": kind_name})
            else:
                kinds.append(kind.pk)
        if not kinds:
            errors.append(_("aucun service pour %(name)s") % {"name": software.name})
        offerings.append(
            {"software": software.pk, "service_kinds": sorted(set(kinds)), "description": ""}
        )
    if not offerings and not errors:
        errors.append(_("aucune offre"))
    if not fields["serves_whole_country"] and not areas and not errors:
        errors.append(_("aucune zone d'intervention (ou « oui » dans toute_la_france)"))
    if errors:
        return None
    return {
        "fields": fields,
        "seat": seat.pk,
        "service_areas": sorted({area.pk for area in areas}),
        "labels": sorted({label.pk for label in labels}),
        "offerings": offerings,
    }


def _existing(cells, data, editable):
    """The listing a row describes, if it exists: same SIREN, same address in the
    directory (the "fiche" column of an export), or same name and seat."""
    siren = data["fields"]["siren"]
    match = SLUG_IN_URL.search(cells.get("fiche", ""))
    candidates = Provider.objects.all()
    found = None
    if siren:
        found = candidates.filter(siren=siren).first()
    if found is None and match:
        found = candidates.filter(slug=match[1]).first()
    if found is None:
        found = candidates.filter(name__iexact=data["fields"]["name"], seat=data["seat"]).first()
    if found is not None and not editable.filter(pk=found.pk).exists():
        return found, False
    return found, True


def _keep_what_the_file_cannot_say(existing, cells, data):
    """An export leaves out private e-mails and offering details: an empty cell there
    keeps the listing's current value instead of erasing it."""
    fields = data["fields"]
    if not cells.get("description", "").strip():
        fields["description"] = existing.description
    if not fields["email"]:
        fields["email"], fields["show_email"] = existing.email, existing.show_email
    details = {o.software_id: o.description for o in existing.offerings.all()}
    for offering in data["offerings"]:
        offering["description"] = offering["description"] or details.get(offering["software"], "")


def plan_import(name, content, user):
    table, unknown_columns = read_table(name, content)
    lookups = _Lookups()
    editable = Provider.objects.editable_by(user)
    plan = ImportPlan(rows=[])
    if unknown_columns:
        plan.warnings.append(
            _("Colonnes ignorées : %(columns)s.") % {"columns": ", ".join(unknown_columns)}
        )
    seen = {}
    for line, cells in table:
        row = RowPlan(line=line, name=clean_text(cells.get("nom", ""), 200)[0] or "—")
        data = _row_data(cells, lookups, row.errors)
        if data is not None:
            key = data["fields"]["siren"] or fold(data["fields"]["name"])
            if key in seen:
                row.errors.append(_("doublon de la ligne %(line)d") % {"line": seen[key]})
            seen.setdefault(key, line)
            existing, allowed = _existing(cells, data, editable)
            seat = Territory.objects.get(pk=data["seat"])
            cluster = existing.cluster if existing is not None else None
            if allowed and existing is not None and not within_scope(user, cluster, seat):
                row.errors.append(_("le nouveau siège sortirait la fiche de vos grappes"))
            if existing is not None and not allowed:
                # Never named: a draft of another cluster is none of this moderator's business.
                row.errors.append(
                    _(
                        "une fiche hors de vos grappes correspond à cette ligne (même SIREN, "
                        "même adresse dans l'annuaire ou même nom et siège) : voyez avec sa grappe"
                    )
                )
            elif existing is not None:
                _keep_what_the_file_cannot_say(existing, cells, data)
                row.provider_id = existing.pk
                row.changes = diff(existing, data)
                row.action = "update" if row.changes else "unchanged"
        row.data = data
        if row.errors:
            row.action = "reject"
        plan.rows.append(row)
    return plan


def apply_import(plan, user, cluster, publish_new):
    """Create and update the listings of `plan`, all or nothing."""
    with transaction.atomic(), deferred_refresh():
        return _apply(plan, user, cluster, publish_new)


def _apply(plan, user, cluster, publish_new):
    if not plan.can_apply:
        raise ValueError(_("Import impossible : des lignes sont refusées."))
    created = updated = 0
    for row in plan.rows:
        if row.action == "create":
            provider = Provider(
                status=Status.PUBLISHED if publish_new else Status.PENDING,
                cluster=cluster,
                email_confirmed_at=timezone.now(),  # vouched for by the moderator
            )
            provider._history_user = user
            if publish_new:
                provider.mark_verified()
            apply_data(provider, row.data)
            created += 1
        elif row.action == "update":
            provider = Provider.objects.select_for_update().get(pk=row.provider_id)
            provider._history_user = user
            provider.mark_verified()
            apply_data(provider, row.data)
            updated += 1
    return created, updated
