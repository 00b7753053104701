"""Read the national catalogues' public provider data: the first step of importing them
(issue #13). Three shapes, each read into the same `SourceRecord`s, one per organisation
of the file, with the programs the file lists it under:

- the SILL (`sill.json`, Licence Ouverte 2.0): a list of software, each with its `id`,
  `name`, `serviceProviders` [{name, website, siren, cdlUrl, cnllUrl}] and, merged from the
  CNLL's directory, `annuaireCnllServiceProviders` [{name, siren, url}];
- the CNLL's directory (`prestataires-sill.json`): [{nom, sill_id, prestataires:
  [{nom, siren, url}]}], the shape Annuaire itself publishes at /api/prestataires-sill.json;
- the Comptoir du Libre (ADULLACT): {softwares: [{id, name, providers: [{id, url, name,
  type, website}]}]}.

A record that cannot be read (no name, a wrong SIREN, a website that is not one) becomes a
`Refusal` with its place in the file and the reason, never an error for the whole file;
a file that is not JSON in one of these shapes is a `SourceFileError`. Nothing here writes
to the database. E-mail addresses are never read, whatever the file holds; a record that
looks like a person (the Comptoir's type, or, without a SIREN, a name of the form « Prénom
Nom » without any company word) is flagged `person` for a moderator to decide. A SIREN of
a sole proprietor would need the SIRENE register, which these machines cannot reach.

Hand-written: the three shapes are small JSON documents, and no package reads them.
"""

import datetime
import json
import re
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.text import clean_text, fold
from providers.models import CatalogueSource
from providers.validators import normalize_siren, validate_siren

MAX_BYTES = 20 * 1024 * 1024  # the SILL's whole sill.json weighs about 4 MB
MAX_RECORDS = 20_000
MAX_WEBSITE = 200  # Provider.website
MAX_RECORD_URL = 300  # Provenance.record_url and record_key
URL_VALIDATOR = URLValidator(schemes=["http", "https"])


Source = CatalogueSource


class SourceFileError(Exception):
    """The file as a whole is not one of the three shapes (message in French)."""


@dataclass(frozen=True)
class SoftwareRef:
    """A program as the source names it: its SILL or Comptoir id when it has one."""

    name: str
    sill_id: int | None = None
    comptoir_id: int | None = None


@dataclass
class SourceRecord:
    source: str
    key: str  # the record's identity in the source: its id, else its SIREN, URL or name
    name: str
    siren: str = ""
    website: str = ""
    url: str = ""  # the record's page in the source
    software: list = field(default_factory=list)  # [SoftwareRef], in file order
    person: bool = False
    person_reason: str = ""
    where: str = ""  # the first place in the file, for messages


@dataclass
class Refusal:
    where: str
    name: str
    reason: str


@dataclass
class SourceFile:
    source: str
    records: list
    refusals: list
    date: datetime.date | None = None  # when the file says it was made (the Comptoir's does)

    def to_data(self):
        """Plain JSON-able data: what the admin keeps between the dry run and the
        confirmation (a few kilobytes where the SILL's whole file weighs megabytes)."""
        return {
            "source": self.source,
            "date": self.date.isoformat() if self.date else None,
            "records": [asdict(record) for record in self.records],
            "refusals": [asdict(refusal) for refusal in self.refusals],
        }

    @classmethod
    def from_data(cls, data):
        records = []
        for values in data["records"]:
            software = [SoftwareRef(**ref) for ref in values["software"]]
            records.append(SourceRecord(**{**values, "software": software}))
        return cls(
            source=data["source"],
            records=records,
            refusals=[Refusal(**values) for values in data["refusals"]],
            date=datetime.date.fromisoformat(data["date"]) if data["date"] else None,
        )


# A name with one of these words is an organisation's, whatever its shape.
COMPANY_WORDS = {
    "sarl", "sas", "sasu", "sa", "eurl", "scop", "scic", "sci", "gie", "association",
    "asso", "cooperative", "coop", "groupe", "group", "informatique", "solutions", "conseil",
    "consulting", "services", "service", "systems", "systemes", "technologies", "tech",
    "libre", "libres", "software", "logiciels", "numerique", "digital", "web", "cloud",
    "studio", "labs", "lab", "agence", "institut", "fondation", "societe", "entreprise",
    "company", "inc", "ltd", "gmbh", "&", "et", "formation", "hebergement", "reseau",
    "atelier", "bureau", "maison", "cabinet", "collectif", "ingenierie", "data", "net",
    "info", "systeme", "it", "dev", "france", "ouest", "est", "nord", "sud", "cooperatif",
}  # fmt: skip
_FIRST_NAME = r"[A-ZÀ-Ý][a-zà-ÿ']+(?:-[A-ZÀ-Ý][a-zà-ÿ']+)*"
PERSON_NAME = re.compile(rf"^{_FIRST_NAME}(?: {_FIRST_NAME})? [A-ZÀ-Ý][A-Za-zà-ÿ'-]+$")


def looks_like_a_person(name):
    """« Jeanne Martin » yes; « Martin Informatique », « ACME », « Jeanne & Co » no."""
    words = set(fold(name).replace("-", " ").split())
    return bool(PERSON_NAME.match(name.strip())) and not (words & COMPANY_WORDS)


def check_size(size):
    """Refuse a file of more than MAX_BYTES: before reading an upload, and in read_source."""
    if size > MAX_BYTES:
        raise SourceFileError(
            f"Fichier trop gros : {MAX_BYTES // (1024 * 1024)} Mo au plus pour cette source."
        )


def read_source(source, content):
    """Read `content` (bytes) as a file of `source` into a `SourceFile`."""
    check_size(len(content))
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except RecursionError:
        raise SourceFileError("Ce fichier n'est pas du JSON lisible : trop imbriqué.") from None
    except (UnicodeDecodeError, ValueError) as error:
        raise SourceFileError(f"Ce fichier n'est pas du JSON lisible : {error}") from None
    reader = {Source.SILL: _sill, Source.CNLL: _cnll, Source.COMPTOIR: _comptoir}.get(source)
    if reader is None:
        raise SourceFileError(f"Source inconnue : {source!r} (sill, cnll ou comptoir).")
    collector = _Collector(source)
    reader(data, collector)
    return SourceFile(source, collector.merged(), collector.refusals, _file_date(data))


def _file_date(data):
    """The date the file gives for itself (the Comptoir's « date_of_export »), if any."""
    value = data.get("date_of_export") if isinstance(data, dict) else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip()[:32]).date()
    except ValueError:
        return None


class _Collector:
    """Records as they are met, merged per organisation (one provider listed under several
    programs appears once per program in every source)."""

    def __init__(self, source):
        self.source = source
        self.records = {}
        self.refusals = []
        self.count = 0

    def add(self, where, software, *, name, siren="", website="", url="", key="", kind=""):
        self.count += 1
        if self.count > MAX_RECORDS:
            raise SourceFileError(f"Plus de {MAX_RECORDS} fiches : fichier refusé.")
        name = _text(name)
        if not name:
            self.refusals.append(Refusal(where, "", "pas de nom"))
            return
        if isinstance(siren, int) and not isinstance(siren, bool):
            siren = f"{siren:09d}"
        siren = normalize_siren(siren if isinstance(siren, str) else "")
        if siren:
            try:
                validate_siren(siren)
            except ValidationError as error:
                self.refusals.append(
                    Refusal(where, name, f"SIREN « {siren} » : {error.messages[0]}")
                )
                return
        website = _web_address(website, MAX_WEBSITE)
        if website is None:
            self.refusals.append(Refusal(where, name, "site web illisible"))
            return
        url = _web_address(url, MAX_RECORD_URL) or ""
        identity = str(key) if key not in ("", None) else (siren or url or fold(name))
        record = self.records.get(identity)
        if record is None:
            record = self.records[identity] = SourceRecord(
                source=self.source, key=identity, name=name, where=where
            )
        record.siren = record.siren or siren
        record.website = record.website or website
        record.url = record.url or url
        if software is not None and software not in record.software:
            record.software.append(software)
        if isinstance(kind, str) and fold(kind) in {"person", "personne", "individual"}:
            record.person, record.person_reason = True, "personne physique selon la source"
        elif not record.person and not record.siren and looks_like_a_person(name):
            record.person, record.person_reason = True, "nom d'une personne ?"

    def refuse(self, where, reason, name=""):
        self.refusals.append(Refusal(where, name, reason))

    def merged(self):
        return list(self.records.values())


def _text(value):
    """A string of the file, cleaned; "" for anything else (a list, a number, null)."""
    return clean_text(value, 200)[0] if isinstance(value, str) else ""


def _web_address(value, max_length):
    """An http(s) address of at most `max_length` characters, "" when absent, None when
    present but not one: an e-mail address (« contact@… », « mailto: ») is not, and is
    never kept."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        return None
    value = clean_text(value, 2000)[0]
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    try:
        parts = urlsplit(value)
        URL_VALIDATOR(value)
    except (ValueError, ValidationError):
        return None
    if parts.username is not None or parts.password is not None or len(value) > max_length:
        return None
    return value


def _items(data, key, where):
    """data[key] as a list (absent: empty), or a SourceFileError naming where."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return []
    if not isinstance(value, list):
        raise SourceFileError(f"{where} : « {key} » devrait être une liste.")
    return value


def _integer(value):
    """An identifier of the file as a number: at most 12 ASCII digits (« ² » is a digit
    for Python, and a string of thousands of digits is refused by int()), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value < 10**12 else None
    if isinstance(value, str):
        value = value.strip()
        if value.isascii() and value.isdigit() and len(value) <= 12:
            return int(value)
    return None


def _software_list(data, shape):
    if not isinstance(data, list):
        raise SourceFileError(f"Le fichier devrait être une liste de logiciels ({shape}).")
    return data


def _walk(items, collector, software_of, lists):
    """Every provider of every program of `items`: `software_of(item)` names the program,
    `lists` gives, per list of providers, its key, its label in messages and how a provider
    of it reads as `_Collector.add` arguments."""
    for index, item in enumerate(items):
        where = f"logiciel n° {index + 1}"
        if not isinstance(item, dict):
            collector.refuse(where, "entrée qui n'est pas un logiciel")
            continue
        software = software_of(item)
        for key, label, fields in lists:
            for position, provider in enumerate(_items(item, key, where)):
                place = f"{where}, {label} n° {position + 1}"
                if not isinstance(provider, dict):
                    collector.refuse(place, "prestataire illisible")
                    continue
                collector.add(place, software, **fields(provider))


def _sill(data, collector):
    _walk(
        _software_list(data, "sill.json du SILL"),
        collector,
        lambda item: SoftwareRef(name=_text(item.get("name")), sill_id=_integer(item.get("id"))),
        [
            (
                "serviceProviders",
                "serviceProviders",
                lambda provider: {
                    "name": provider.get("name"),
                    "siren": provider.get("siren") or "",
                    "website": provider.get("website"),
                    "url": provider.get("cdlUrl") or provider.get("cnllUrl") or "",
                },
            ),
            (
                "annuaireCnllServiceProviders",
                "annuaireCnllServiceProviders",
                lambda provider: {
                    "name": provider.get("name"),
                    "siren": provider.get("siren") or "",
                    "url": provider.get("url"),
                },
            ),
        ],
    )


def _cnll(data, collector):
    _walk(
        _software_list(data, "prestataires-sill.json du CNLL"),
        collector,
        lambda item: SoftwareRef(
            name=_text(item.get("nom")), sill_id=_integer(item.get("sill_id"))
        ),
        [
            (
                "prestataires",
                "prestataire",
                lambda provider: {
                    "name": provider.get("nom"),
                    "siren": provider.get("siren") or "",
                    "url": provider.get("url"),
                },
            )
        ],
    )


def _comptoir(data, collector):
    if not isinstance(data, dict) or not isinstance(data.get("softwares"), list):
        raise SourceFileError(
            "Le fichier du Comptoir du Libre devrait être un objet avec une liste « softwares »."
        )
    _walk(
        data["softwares"],
        collector,
        lambda item: SoftwareRef(
            name=_text(item.get("name")), comptoir_id=_integer(item.get("id"))
        ),
        [
            (
                "providers",
                "provider",
                lambda provider: {
                    "name": provider.get("name"),
                    "website": provider.get("website"),
                    "url": provider.get("url"),
                    "key": provider.get("id") if _integer(provider.get("id")) is not None else "",
                    "kind": provider.get("type") or "",
                },
            )
        ],
    )
