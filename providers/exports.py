"""Exports of providers: one row per provider, the same columns in CSV, ODS, XLSX and
in the open-data dump, and the format the moderators' spreadsheet import reads back.

Rows are produced from `queryset.iterator()` in chunks, with their related data
prefetched chunk by chunk, and written as they come: an export of 20,000 providers
never holds them all in memory.
"""

import csv
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

CHUNK_SIZE = 500
LIST_SEPARATOR = " ; "  # between items of a cell (offerings, areas, labels…)
LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"


@dataclass(frozen=True)
class Column:
    key: str
    description: str


COLUMNS = [
    Column("nom", "Raison sociale ou nom commercial."),
    Column("description", "Présentation de l'entreprise."),
    Column("siren", "SIREN (9 chiffres), vide si inconnu."),
    Column("fiche", "Adresse de la fiche dans l'annuaire."),
    Column("site_web", "Site web de l'entreprise."),
    Column("email", "Adresse de contact, seulement si l'entreprise a choisi de la publier."),
    Column("telephone", "Téléphone."),
    Column("adresse", "Adresse postale (rue)."),
    Column("code_postal", "Code postal."),
    Column("commune_siege", "Commune du siège, telle qu'affichée : « Évry-Courcouronnes (91) »."),
    Column("code_insee_siege", "Code INSEE de la commune du siège."),
    Column("departement", "Département du siège."),
    Column("region", "Région du siège."),
    Column("toute_la_france", "« oui » si l'entreprise intervient partout en France."),
    Column(
        "zones_intervention",
        "Territoires desservis, séparés par « ; », avec leur libellé de l'annuaire.",
    ),
    Column(
        "offres",
        "Une offre par logiciel, séparées par « ; » : « Dolibarr : installation et intégration, "
        "formation ».",
    ),
    Column("logiciels", "Logiciels proposés, séparés par « ; »."),
    Column("services", "Types de service proposés, séparés par « ; »."),
    Column("effectif", "Tranche d'effectif salarié (nomenclature INSEE)."),
    Column("annee_creation", "Année de création."),
    Column("labels", "Labels et certifications, séparés par « ; »."),
    Column("accepte_nouveaux_clients", "« oui » ou « non »."),
    Column("grappe", "Grappe régionale qui relit la fiche."),
    Column("derniere_verification", "Date de la dernière vérification (AAAA-MM-JJ)."),
]
HEADER = [column.key for column in COLUMNS]


def for_export(queryset):
    """`queryset` with everything a row needs, fetched per chunk of CHUNK_SIZE."""
    return (
        queryset.select_related("seat__departement", "seat__region", "cluster")
        .prefetch_related("labels", "service_areas")
        .with_offerings()
    )


def _yes_no(value):
    return "oui" if value else "non"


def record(provider, base_url=None):
    """A provider as a dict of structured values (lists stay lists): the JSON shape."""
    base_url = base_url or settings.SITE_URL
    offerings = [
        {
            "logiciel": offering.software.name,
            "services": [kind.name for kind in offering.service_kinds.all()],
            "precisions": offering.description,
        }
        for offering in provider.offerings.all()
    ]
    services = sorted({service for offering in offerings for service in offering["services"]})
    return {
        "nom": provider.name,
        "description": provider.description,
        "siren": provider.siren,
        "fiche": base_url + provider.get_absolute_url(),
        "site_web": provider.website,
        "email": provider.public_email,
        "telephone": provider.phone,
        "adresse": provider.address,
        "code_postal": provider.postal_code,
        "commune_siege": str(provider.seat),
        "code_insee_siege": provider.seat.code,
        "departement": provider.seat.departement.name if provider.seat.departement else "",
        "region": provider.seat.region.name if provider.seat.region else "",
        "toute_la_france": provider.serves_whole_country,
        "zones_intervention": sorted(str(area) for area in provider.service_areas.all()),
        "offres": offerings,
        "logiciels": [offering["logiciel"] for offering in offerings],
        "services": services,
        "effectif": provider.get_workforce_display() if provider.workforce else "",
        "annee_creation": provider.year_founded,
        "labels": sorted(label.name for label in provider.labels.all()),
        "accepte_nouveaux_clients": provider.accepts_new_clients,
        "grappe": provider.cluster.name if provider.cluster else "",
        "derniere_verification": (
            provider.last_verified_at.date().isoformat() if provider.last_verified_at else ""
        ),
    }


# Characters XML 1.0 forbids (ODS, XLSX), which also have no place in a spreadsheet cell.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_LIKE = re.compile(r"[+-]?[0-9 .()]+")


def spreadsheet_text(value):
    """A cell value that a spreadsheet shows as text and never runs as a formula: a
    leading apostrophe before = + - @ (OWASP's advice), except for plain numbers such
    as a phone "+33 1 23 45 67 89". The import removes that apostrophe."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    if value.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(value):
        return "'" + value
    return value


def flat_row(provider, base_url=None):
    """A provider as one spreadsheet row (strings and numbers), in HEADER order."""
    data = record(provider, base_url)
    data["offres"] = LIST_SEPARATOR.join(
        f"{offering['logiciel']} : {', '.join(s.lower() for s in offering['services'])}"
        for offering in data["offres"]
    )
    for key in ("zones_intervention", "logiciels", "services", "labels"):
        data[key] = LIST_SEPARATOR.join(data[key])
    for key in ("toute_la_france", "accepte_nouveaux_clients"):
        data[key] = _yes_no(data[key])
    data["annee_creation"] = data["annee_creation"] or ""
    return [spreadsheet_text(data[key]) for key in HEADER]


def providers_for_export(queryset):
    """Each provider of `queryset` with its related data, CHUNK_SIZE rows at a time.

    Prefetched offerings point back to their provider; dropping the prefetch cache
    once a row is written breaks that cycle, so each chunk is freed at once rather
    than at the garbage collector's next pass.
    """
    for provider in for_export(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield provider
        provider._prefetched_objects_cache = {}


def rows(queryset, base_url=None):
    for provider in providers_for_export(queryset):
        yield flat_row(provider, base_url)


# Writers ------------------------------------------------------------------------------


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value):
        return value


def csv_stream(queryset, *, delimiter=";", bom=True, base_url=None):
    """CSV text chunks, header first. Defaults suit spreadsheet users in France (UTF-8
    with a byte-order mark, « ; » between columns); the open-data dump uses « , »."""
    writer = csv.writer(_Line(), delimiter=delimiter, lineterminator="\r\n")
    yield ("\ufeff" if bom else "") + writer.writerow(HEADER)
    for row in rows(queryset, base_url):
        yield writer.writerow(row)


def _text_cell(sheet, value):
    """Strings are stored as strings: openpyxl would otherwise turn "=…" into a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def xlsx_file(queryset, base_url=None):
    """A temporary XLSX file (openpyxl's write-only mode writes rows as they come)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Prestataires")
    sheet.append(HEADER)
    for row in rows(queryset, base_url):
        sheet.append([_text_cell(sheet, value) for value in row])
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to FileResponse, which closes it)
    workbook.save(output)
    output.seek(0)
    return output


ODS_MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" \
manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.2" \
manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>
"""
ODS_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" \
xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" \
xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet><table:table table:name="Prestataires">
"""
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>\n"


def _ods_cell(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    text = escape(str(value))
    return (
        f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def _ods_row(values):
    return "<table:table-row>" + "".join(map(_ods_cell, values)) + "</table:table-row>\n"


def ods_file(queryset, base_url=None):
    """A temporary OpenDocument spreadsheet, its content.xml written row by row.

    Written by hand (the ODF package format is a zip of XML files) because no
    maintained library writes ODS without building the whole document in memory.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to FileResponse, which closes it)
    with zipfile.ZipFile(output, "w") as package:
        # The mimetype entry comes first, uncompressed (ODF 1.2, section 3.3).
        package.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        package.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        with package.open("content.xml", "w") as content:
            content = io.TextIOWrapper(content, encoding="utf-8")
            content.write(ODS_HEAD)
            content.write(_ods_row(HEADER))
            for row in rows(queryset, base_url):
                content.write(_ods_row(row))
            content.write(ODS_TAIL)
            content.flush()
            content.detach()
    output.seek(0)
    return output


def json_stream(queryset, base_url=None, **envelope):
    """A JSON document {…envelope, "prestataires": [...]} written record by record."""
    head = json.dumps(envelope, ensure_ascii=False)[:-1]
    yield head + (", " if envelope else "") + '"prestataires": [\n'
    first = True
    for provider in providers_for_export(queryset):
        yield ("" if first else ",\n") + json.dumps(record(provider, base_url), ensure_ascii=False)
        first = False
    yield "\n]}\n"
