"""Exports of providers: one row per provider, the same columns in CSV, ODS, XLSX and
in the open-data dump, and the format the moderators' spreadsheet import reads back.

Rows are produced in chunks of CHUNK_SIZE providers, from plain rows and reference names
(`records`), and written as they come: an export of 20,000 providers never holds them all
in memory, nor builds a model instance per row.
"""

import csv
import functools
import io
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils.translation import get_language
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from offerings.models import Offering, ServiceKind, Software
from providers.models import Cluster, Label, Provider, Workforce, public_email
from providers.search.documents import SEARCH_FIELDS
from territories.models import Level, Territory, default_label

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
# Added after the others when « Où ? » is a commune (a download of such a search).
DISTANCE_COLUMN = Column(
    "distance_km",
    "Quand la recherche part d'une commune : distance à vol d'oiseau, en km, de son point "
    "(la mairie) à la position de l'entreprise (son siège, ou la position précise indiquée).",
)


def has_distance(queryset):
    """Whether `queryset` carries `distance_km` (ProviderQuerySet.with_distance)."""
    return "distance_km" in queryset.query.annotations


def header_for(queryset):
    """The columns of a download of `queryset`: HEADER, and distance_km when measured."""
    return [*HEADER, DISTANCE_COLUMN.key] if has_distance(queryset) else HEADER


def for_export(queryset):
    """`queryset` with everything the API's provider data needs, in a fixed number of
    queries, without the stored search fields (a third of a row's weight, never shown).
    Downloads use `records()` instead."""
    return (
        queryset.defer(*SEARCH_FIELDS)
        .select_related("seat__departement", "seat__region", "cluster")
        .prefetch_related("labels", "service_areas")
        .with_offerings()
    )


@functools.lru_cache(maxsize=8)
def _workforce_labels(language):
    """{code: label}, translated once: `get_workforce_display()` re-translated every lazy
    choice label on each row (a third of an export's time)."""
    return {value: str(label) for value, label in Workforce.choices}


def _yes_no(value):
    return "oui" if value else "non"


@dataclass(frozen=True)
class _Names:
    """The reference data every row names, read once per export."""

    software: dict
    kinds: dict  # id: (position, name)
    labels: dict
    clusters: dict
    places: dict  # département and région names by id

    @classmethod
    def read(cls):
        return cls(
            software=dict(Software.objects.values_list("pk", "name")),
            kinds={
                pk: (position, name)
                for pk, position, name in ServiceKind.objects.values_list("pk", "position", "name")
            },
            labels=dict(Label.objects.values_list("pk", "name")),
            clusters=dict(Cluster.objects.values_list("pk", "name")),
            places=dict(
                Territory.objects.filter(level__in=[Level.DEPARTEMENT, Level.REGION]).values_list(
                    "pk", "name"
                )
            ),
        )


PROVIDER_FIELDS = [
    "pk", "name", "description", "siren", "slug", "website", "email", "show_email", "phone",
    "address", "postal_code", "seat_id", "serves_whole_country", "workforce", "year_founded",
    "accepts_new_clients", "cluster_id", "last_verified_at",
]  # fmt: skip


def records(queryset, base_url=None):
    """Each provider of `queryset`, in its order, as a dict of structured values (lists
    stay lists: the JSON shape), CHUNK_SIZE providers at a time.

    Built from plain rows (`values_list`) and reference names read once, not from model
    instances: with its offerings, services, areas and labels a provider was 21 objects,
    and an export of 20,000 providers took 31 s.
    """
    base_url = base_url or settings.SITE_URL
    path_of = Provider.path_maker()
    names = _Names.read()
    workforces = _workforce_labels(get_language())
    measured = has_distance(queryset)
    ids = list(queryset.values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK_SIZE):
        chunk = ids[start : start + CHUNK_SIZE]
        # Distances a chunk at a time too: a dict for every row grew with the export.
        distances = (
            dict(queryset.filter(pk__in=chunk).values_list("pk", "distance_km"))
            if measured
            else None
        )
        rows = {
            row["pk"]: row for row in Provider.objects.filter(pk__in=chunk).values(*PROVIDER_FIELDS)
        }
        offerings, kinds, areas, labels = {}, {}, {}, {}
        offering_rows = Offering.objects.filter(provider_id__in=chunk).values_list(
            "pk", "provider_id", "software_id", "description"
        )
        for pk, provider_id, software_id, description in offering_rows:
            offerings.setdefault(provider_id, []).append((pk, software_id, description))
        kind_rows = Offering.service_kinds.through.objects.filter(
            offering__provider_id__in=chunk
        ).values_list("offering_id", "servicekind_id")
        for offering_id, kind_id in kind_rows:
            kinds.setdefault(offering_id, []).append(names.kinds[kind_id])
        area_rows = Provider.service_areas.through.objects.filter(provider_id__in=chunk)
        for provider_id, territory_id in area_rows.values_list("provider_id", "territory_id"):
            areas.setdefault(provider_id, []).append(territory_id)
        label_rows = Provider.labels.through.objects.filter(provider_id__in=chunk)
        for provider_id, label_id in label_rows.values_list("provider_id", "label_id"):
            labels.setdefault(provider_id, []).append(names.labels[label_id])
        wanted = {row["seat_id"] for row in rows.values()} | {
            pk for provider_areas in areas.values() for pk in provider_areas
        }
        places = {
            pk: (
                label or default_label(level, name, code),
                departement,
                region,
                code,
            )
            for pk, level, name, code, label, departement, region in Territory.objects.filter(
                pk__in=wanted
            ).values_list("pk", "level", "name", "code", "label", "departement_id", "region_id")
        }
        for pk in chunk:
            row = rows.get(pk)
            if row is None:
                continue
            seat_label, departement, region, seat_code = places[row["seat_id"]]
            provider_offerings = sorted(
                offerings.get(pk, []), key=lambda offering: names.software[offering[1]]
            )
            offers = [
                {
                    "logiciel": names.software[software_id],
                    "services": [name for _position, name in sorted(kinds.get(offering_id, []))],
                    "precisions": description,
                }
                for offering_id, software_id, description in provider_offerings
            ]
            verified = row["last_verified_at"]
            record = {
                "nom": row["name"],
                "description": row["description"],
                "siren": row["siren"],
                "fiche": base_url + path_of(row["slug"]),
                "site_web": row["website"],
                "email": public_email(row["email"], row["show_email"]),
                "telephone": row["phone"],
                "adresse": row["address"],
                "code_postal": row["postal_code"],
                "commune_siege": seat_label,
                "code_insee_siege": seat_code,
                "departement": names.places.get(departement, ""),
                "region": names.places.get(region, ""),
                "toute_la_france": row["serves_whole_country"],
                "zones_intervention": sorted(places[area][0] for area in areas.get(pk, [])),
                "offres": offers,
                "logiciels": [offer["logiciel"] for offer in offers],
                "services": sorted({service for offer in offers for service in offer["services"]}),
                "effectif": workforces.get(row["workforce"], row["workforce"]),
                "annee_creation": row["year_founded"],
                "labels": sorted(labels.get(pk, [])),
                "accepte_nouveaux_clients": row["accepts_new_clients"],
                "grappe": names.clusters.get(row["cluster_id"], ""),
                "derniere_verification": verified.date().isoformat() if verified else "",
            }
            if distances is not None:
                record[DISTANCE_COLUMN.key] = rounded_km(distances[pk])
            yield record


def rounded_km(value):
    """A distance for the data outputs: km to one decimal, None when unknown."""
    return None if value is None else round(value, 1)


# Characters XML 1.0 forbids (ODS, XLSX), which also have no place in a spreadsheet cell.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What a spreadsheet may read as the start of a formula: the ASCII signs, their full-width
# forms (U+FF1D… : LibreOffice and Excel run them too), and the same after spaces.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_SKIPPED_BEFORE_A_FORMULA = " \u00a0\u3000"
_NUMBER_LIKE = re.compile(r"[+-]?[0-9 .()]+")


def spreadsheet_text(value):
    """A cell value that a spreadsheet shows as text and never runs as a formula: a
    leading apostrophe before = + - @ (OWASP's advice), also when spaces or a full-width
    sign come first (« =1+1 », full-width « =1+1 »), except for plain numbers such as a phone
    "+33 1 23 45 67 89". The import removes that apostrophe."""
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)
    visible = value.lstrip(_SKIPPED_BEFORE_A_FORMULA)
    if visible.startswith(_FORMULA_START) and not _NUMBER_LIKE.fullmatch(visible):
        return "'" + value
    return value


def flat_row(data, header=HEADER):
    """A record as one spreadsheet row (strings and numbers), in `header` order."""
    data = dict(data)
    data["offres"] = LIST_SEPARATOR.join(
        f"{offering['logiciel']} : {', '.join(s.lower() for s in offering['services'])}"
        for offering in data["offres"]
    )
    for key in ("zones_intervention", "logiciels", "services", "labels"):
        data[key] = LIST_SEPARATOR.join(data[key])
    for key in ("toute_la_france", "accepte_nouveaux_clients"):
        data[key] = _yes_no(data[key])
    data["annee_creation"] = data["annee_creation"] or ""
    if data.get(DISTANCE_COLUMN.key) is None:
        data[DISTANCE_COLUMN.key] = ""
    return [spreadsheet_text(data[key]) for key in header]


def rows(queryset, base_url=None):
    header = header_for(queryset)
    for data in records(queryset, base_url):
        yield flat_row(data, header)


# Writers ------------------------------------------------------------------------------


class _Line:
    """A file-like object that hands back what csv.writer writes to it."""

    def write(self, value):
        return value


def csv_stream(queryset, *, delimiter=";", bom=True, base_url=None):
    """CSV text chunks, header first. Defaults suit spreadsheet users in France (UTF-8
    with a byte-order mark, « ; » between columns); the open-data dump uses « , »."""
    return csv_table(header_for(queryset), rows(queryset, base_url), delimiter=delimiter, bom=bom)


def csv_table(header, table_rows, *, delimiter=";", bom=True):
    """CSV text chunks of any table: `header`, then `table_rows` (lists of cells)."""
    writer = csv.writer(_Line(), delimiter=delimiter, lineterminator="\r\n")
    yield ("\ufeff" if bom else "") + writer.writerow(header)
    # « ; » is the French spreadsheets' CSV: there a decimal point is not a number (12,5 is).
    french = delimiter == ";"
    for row in table_rows:
        if french:
            row = [str(cell).replace(".", ",") if isinstance(cell, float) else cell for cell in row]
        yield writer.writerow(row)


def _text_cell(sheet, value):
    """Strings are stored as strings: openpyxl would otherwise turn "=…" into a formula."""
    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell


def xlsx_file(queryset, base_url=None):
    """A temporary XLSX file of the providers of `queryset`."""
    return xlsx_table(header_for(queryset), rows(queryset, base_url))


def xlsx_table(header, table_rows, sheet_name="Prestataires"):
    """A temporary XLSX file of any table (openpyxl's write-only mode writes rows as they
    come)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(header)
    for row in table_rows:
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
<office:body><office:spreadsheet><table:table table:name="{sheet}">
"""
ODS_TAIL = "</table:table></office:spreadsheet></office:body></office:document-content>\n"


def _ods_cell(value):
    if isinstance(value, int | float) and not isinstance(value, bool):
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
    """A temporary OpenDocument spreadsheet of the providers of `queryset`."""
    return ods_table(header_for(queryset), rows(queryset, base_url))


def ods_table(header, table_rows, sheet_name="Prestataires"):
    """A temporary OpenDocument spreadsheet of any table, its content.xml written row by row.

    Written by hand (the ODF package format is a zip of XML files) because no
    maintained library writes ODS without building the whole document in memory.
    """
    output = tempfile.TemporaryFile()  # noqa: SIM115 (handed to FileResponse, which closes it)
    # Deflated: the XML of 20,000 rows weighs 55 MB stored, about 7 MB compressed.
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as package:
        # The mimetype entry comes first, uncompressed (ODF 1.2, section 3.3).
        package.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        package.writestr("META-INF/manifest.xml", ODS_MANIFEST, zipfile.ZIP_DEFLATED)
        with package.open("content.xml", "w") as content:
            content = io.TextIOWrapper(content, encoding="utf-8")
            content.write(ODS_HEAD.format(sheet=escape(sheet_name, {'"': "&quot;"})))
            content.write(_ods_row(header))
            for row in table_rows:
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
    for data in records(queryset, base_url):
        yield ("" if first else ",\n") + json.dumps(data, ensure_ascii=False)
        first = False
    yield "\n]}\n"
