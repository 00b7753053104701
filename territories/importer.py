"""Load the official territories from the vendored @etalab/decoupage-administratif archive.

Two steps, so that a bad file never touches the database:

1. `read_archive(path)` parses and cross-checks the whole archive into a `Dataset`
   (raises `TerritoryDataError` with a precise message on any inconsistency);
2. `apply_dataset(dataset)` brings the database in line with it inside one
   transaction, with bulk operations only, writing nothing that is already right.

Scope: the 18 régions (13 metropolitan, 5 overseas: Guadeloupe, Martinique,
Guyane, La Réunion, Mayotte), their 101 départements, the EPCI à fiscalité propre
and the current communes of those départements. The overseas collectivités
(Saint-Pierre-et-Miquelon, Saint-Barthélemy, Saint-Martin, Wallis-et-Futuna,
Polynésie française, Nouvelle-Calédonie, TAAF, Clipperton) are left out: they are
not régions, and companies in Polynésie and Nouvelle-Calédonie are registered
locally (numéro TAHITI, RIDET), not with a SIREN.
"""

import csv
import gzip
import io
import json
import math
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from core.text import fold, slug_for

from .models import AliasKind, Level, PostalCode, Territory, TerritoryAlias, default_label
from .signals import territories_renamed

EXCLUDED_ZONE = "com"  # collectivités d'outre-mer, see module docstring
LEVEL_ORDER = [Level.REGION, Level.DEPARTEMENT, Level.EPCI, Level.COMMUNE]
# Fields compared to decide whether a row changed; parents are compared by code.
TERRITORY_FIELDS = [
    "name",
    "search_name",
    "label",
    "slug",
    "siren",
    "kind",
    "population",
    "latitude",
    "longitude",
    "is_current",
]
PARENT_FIELDS = ["region", "departement", "epci"]
ALIAS_KIND_BY_TYPE = {
    "commune-deleguee": AliasKind.DELEGATED,
    "commune-associee": AliasKind.ASSOCIATED,
    "arrondissement-municipal": AliasKind.ARRONDISSEMENT,
}


class TerritoryDataError(Exception):
    """The archive is missing, unreadable or inconsistent."""


@dataclass
class Row:
    level: str
    code: str
    name: str
    siren: str = ""
    kind: str = ""
    population: int | None = None
    region: str | None = None
    departement: str | None = None
    epci: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class Dataset:
    rows: dict  # level -> {code: Row}
    postal_codes: set  # {(postal code, commune INSEE code)}
    aliases: dict  # alias code -> (name, kind, commune INSEE code)
    communes_without_point: list = field(default_factory=list)

    def count(self, level):
        return len(self.rows[level])

    def add_points(self, points):
        """Give each commune its point from `points` ({INSEE code: (latitude, longitude)});
        the codes of the communes that have none go to `communes_without_point`."""
        missing = []
        for code, row in self.rows[Level.COMMUNE].items():
            row.latitude, row.longitude = points.get(code, (None, None))
            if row.latitude is None:
                missing.append(code)
        self.communes_without_point = sorted(missing)


@dataclass
class LevelReport:
    created: int = 0
    updated: int = 0
    retired: int = 0
    total: int = 0


@dataclass
class Report:
    levels: dict = field(default_factory=lambda: {level: LevelReport() for level in LEVEL_ORDER})
    postal_codes_added: int = 0
    postal_codes_removed: int = 0
    aliases_added: int = 0
    aliases_updated: int = 0
    aliases_removed: int = 0
    communes_without_point: list = field(default_factory=list)

    @property
    def changed(self):
        return bool(
            any(r.created or r.updated or r.retired for r in self.levels.values())
            or self.postal_codes_added
            or self.postal_codes_removed
            or self.aliases_added
            or self.aliases_updated
            or self.aliases_removed
        )


def _load_json_member(archive, name):
    try:
        member = archive.extractfile(f"package/data/{name}.json")
    except KeyError:
        raise TerritoryDataError(f"{name}.json est absent de l'archive") from None
    try:
        data = json.load(member)
    except (ValueError, EOFError, OSError, tarfile.TarError) as error:
        raise TerritoryDataError(f"{name}.json est illisible : {error}") from None
    if not isinstance(data, list):
        raise TerritoryDataError(f"{name}.json devrait contenir une liste")
    return data


def _field(item, key, source):
    try:
        value = item[key]
    except (KeyError, TypeError):
        raise TerritoryDataError(
            f"{source} : champ « {key} » manquant dans {item!r:.200}"
        ) from None
    if not isinstance(value, str) or not value.strip():
        raise TerritoryDataError(f"{source} : champ « {key} » invalide dans {item!r:.200}")
    return value.strip()


def _population(item):
    value = item.get("population", item.get("populationMunicipale"))
    return value if isinstance(value, int) and value >= 0 else None


def read_archive(path, points=None):
    """Parse the npm archive at `path` into a checked `Dataset`, with the communes' points
    read from the file `points` when given (see `read_points`)."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            raw = {
                name: _load_json_member(archive, name)
                for name in ("regions", "departements", "epci", "communes")
            }
    except (OSError, tarfile.TarError, EOFError) as error:
        raise TerritoryDataError(f"archive illisible ({path}) : {error}") from None
    dataset = build_dataset(**raw)
    if points is not None:
        dataset.add_points(read_points(points))
    return dataset


def read_points(path):
    """{INSEE code: (latitude, longitude)} from the vendored commune points
    (territories/data/commune-points.csv.gz: code, latitude, longitude, source)."""
    try:
        with gzip.open(path, "rb") as archive:
            text = io.TextIOWrapper(archive, encoding="utf-8", newline="")
            reader = csv.DictReader(text)
            if not {"code", "latitude", "longitude"} <= set(reader.fieldnames or ()):
                raise TerritoryDataError(f"{path} : colonnes code, latitude, longitude attendues")
            points = {}
            for line, row in enumerate(reader, start=2):
                points[row["code"]] = _point(row, f"{path}, ligne {line}")
    except (OSError, EOFError, UnicodeDecodeError, csv.Error) as error:
        raise TerritoryDataError(f"points des communes illisibles ({path}) : {error}") from None
    return points


def _point(row, where):
    try:
        latitude, longitude = float(row["latitude"]), float(row["longitude"])
    except (TypeError, ValueError):
        raise TerritoryDataError(f"{where} : coordonnées invalides") from None
    if not (math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90) or not (
        -180 <= longitude <= 180
    ):
        raise TerritoryDataError(f"{where} : coordonnées hors limites")
    return latitude, longitude


def build_dataset(regions, departements, epci, communes):
    rows = {level: {} for level in LEVEL_ORDER}

    def add(row, source):
        if row.code in rows[row.level]:
            raise TerritoryDataError(f"{source} : code {row.code} en double")
        rows[row.level][row.code] = row

    for item in regions:
        if item.get("zone") != EXCLUDED_ZONE:
            code = _field(item, "code", "regions.json")
            add(Row(Level.REGION, code, _field(item, "nom", "regions.json")), "regions.json")

    for item in departements:
        if item.get("zone") != EXCLUDED_ZONE:
            code = _field(item, "code", "departements.json")
            region = _field(item, "region", "departements.json")
            if region not in rows[Level.REGION]:
                raise TerritoryDataError(f"departements.json : région {region} inconnue ({code})")
            row = Row(Level.DEPARTEMENT, code, _field(item, "nom", "departements.json"))
            row.region = region
            add(row, "departements.json")

    current = {}
    secondary = []
    for item in communes:
        commune_type = _field(item, "type", "communes.json")
        if item.get("zone") == EXCLUDED_ZONE:
            continue
        if commune_type == "commune-actuelle":
            code = _field(item, "code", "communes.json")
            departement = _field(item, "departement", "communes.json")
            if departement not in rows[Level.DEPARTEMENT]:
                raise TerritoryDataError(
                    f"communes.json : département {departement} inconnu ({code})"
                )
            row = Row(
                Level.COMMUNE,
                code,
                _field(item, "nom", "communes.json"),
                siren=item.get("siren") or "",
                population=_population(item),
                region=rows[Level.DEPARTEMENT][departement].region,
                departement=departement,
            )
            add(row, "communes.json")
            current[code] = item
        elif commune_type in ALIAS_KIND_BY_TYPE:
            secondary.append(item)
    if not current:
        raise TerritoryDataError("communes.json ne contient aucune commune actuelle")

    member_populations = defaultdict(Counter)
    for item in epci:
        code = _field(item, "code", "epci.json")
        row = Row(
            Level.EPCI,
            code,
            _field(item, "nom", "epci.json"),
            siren=code,
            kind=item.get("type") or "",
            population=_population(item),
        )
        members = item.get("membres")
        if not isinstance(members, list) or not members:
            raise TerritoryDataError(f"epci.json : {code} n'a aucune commune membre")
        for member in members:
            member_code = _field(member, "code", "epci.json")
            commune = rows[Level.COMMUNE].get(member_code)
            if commune is None:
                raise TerritoryDataError(
                    f"epci.json : la commune {member_code} de {code} est inconnue"
                )
            if commune.epci:
                raise TerritoryDataError(
                    f"epci.json : la commune {member_code} est dans {commune.epci} et {code}"
                )
            commune.epci = code
            member_populations[code][commune.departement] += commune.population or 0
        # The EPCI's main département: the one holding most of its population.
        row.departement = member_populations[code].most_common(1)[0][0]
        row.region = rows[Level.DEPARTEMENT][row.departement].region
        add(row, "epci.json")

    for level in (Level.DEPARTEMENT, Level.REGION):
        totals = Counter()
        for commune in rows[Level.COMMUNE].values():
            totals[getattr(commune, level)] += commune.population or 0
        for code, row in rows[level].items():
            row.population = totals[code]

    postal_codes = set()
    for code, item in current.items():
        for postal_code in item.get("codesPostaux") or []:
            if not (isinstance(postal_code, str) and len(postal_code) == 5):
                raise TerritoryDataError(f"communes.json : code postal {postal_code!r} ({code})")
            postal_codes.add((postal_code, code))

    aliases = {}
    for item in secondary:
        code = _field(item, "code", "communes.json")
        target = item.get("commune") or item.get("chefLieu")
        # A commune déléguée often keeps the code of its commune nouvelle: keep its name.
        if target not in current or (code in current and code != target):
            continue
        aliases[code] = (item.get("nom", ""), ALIAS_KIND_BY_TYPE[item["type"]], target)
    for code, item in current.items():
        for former in item.get("anciensCodes") or []:
            if former not in current and former not in aliases:
                aliases[former] = ("", AliasKind.FORMER, code)

    return Dataset(rows=rows, postal_codes=postal_codes, aliases=aliases)


def unique_labels(items):
    """{(level, code): label} for (level, code, name) items, every label distinct.

    "Name (dd)" for communes and départements, the name for régions and EPCI; a
    commune or EPCI whose label would repeat another's carries its own code instead
    ("Paris (75056)" beside the département "Paris (75)"; the two EPCI "CC des
    Quatre Rivières" with their SIREN), so that a label always finds its territory.
    """
    items = list(items)
    base = {(level, code): default_label(level, name, code) for level, code, name in items}
    counts = Counter(base.values())
    labels = {}
    for level, code, name in items:
        label = base[(level, code)]
        if counts[label] > 1 and level in (Level.COMMUNE, Level.EPCI):
            label = f"{name} ({code})"
        labels[(level, code)] = label
    duplicates = [label for label, n in Counter(labels.values()).items() if n > 1]
    if duplicates:
        raise TerritoryDataError(f"libellés en double : {', '.join(duplicates[:5])}")
    return labels


def _assign_slugs(level, rows, retired):
    """Give each row a slug unique within its level; current rows win over retired ones.

    Communes carry their INSEE code (many communes share a name); other levels
    use the plain name, with the code appended only where two names collide.
    """
    if level == Level.COMMUNE:
        return {code: slug_for(f"{row.name} {code}") for code, row in rows.items()}
    base = {code: slug_for(row.name) for code, row in rows.items()}
    clashes = {slug for slug, n in Counter(base.values()).items() if n > 1}
    slugs = {
        code: f"{slug}-{code.lower()}" if slug in clashes else slug for code, slug in base.items()
    }
    taken = set(slugs.values())
    for territory in retired:
        if territory.slug in taken:
            territory.slug = f"{territory.slug}-{territory.code.lower()}"
    return slugs


@transaction.atomic
def apply_dataset(dataset):
    """Make the territory tables match `dataset`; return a `Report` of what changed."""
    report = Report(communes_without_point=dataset.communes_without_point)
    existing = {(t.level, t.code): t for t in Territory.objects.all()}
    ids = {key: territory.pk for key, territory in existing.items()}
    renamed = []
    labels = unique_labels(
        (level, code, row.name)
        for level in LEVEL_ORDER
        for code, row in dataset.rows[level].items()
    )

    for level in LEVEL_ORDER:
        level_report = report.levels[level]
        rows = dataset.rows[level]
        retired = [
            territory
            for (row_level, code), territory in existing.items()
            if row_level == level and code not in rows
        ]
        retired_before = {t.pk: (t.is_current, t.slug) for t in retired}
        slugs = _assign_slugs(level, rows, retired)
        to_create, to_update = [], []
        slug_before = {}
        for code, row in rows.items():
            wanted = {
                "name": row.name,
                "search_name": fold(row.name),
                "label": labels[(level, code)],
                "slug": slugs[code],
                "siren": row.siren,
                "kind": row.kind,
                "population": row.population,
                "latitude": row.latitude,
                "longitude": row.longitude,
                "is_current": True,
                "region_id": ids.get((Level.REGION, row.region)),
                "departement_id": ids.get((Level.DEPARTEMENT, row.departement)),
                "epci_id": ids.get((Level.EPCI, row.epci)),
            }
            territory = existing.get((level, code))
            if territory is None:
                to_create.append(Territory(level=level, code=code, **wanted))
            elif any(getattr(territory, name) != value for name, value in wanted.items()):
                if territory.name != row.name:
                    renamed.append(territory.pk)
                slug_before[territory.pk] = territory.slug
                for name, value in wanted.items():
                    setattr(territory, name, value)
                to_update.append(territory)
        for territory in retired:
            territory.is_current = False
        retired_changed = [t for t in retired if retired_before[t.pk] != (t.is_current, t.slug)]
        # Slugs change hands safely: rows giving theirs up move to a temporary one first.
        moving = [t for t in to_update if t.slug != slug_before[t.pk]]
        Territory.objects.bulk_update(
            [Territory(pk=t.pk, slug=f"tmp-{t.pk}") for t in moving], ["slug"], batch_size=1000
        )
        Territory.objects.bulk_update(retired_changed, ["is_current", "slug"], batch_size=1000)
        created = Territory.objects.bulk_create(to_create, batch_size=2000)
        Territory.objects.bulk_update(
            to_update,
            TERRITORY_FIELDS + [f"{name}_id" for name in PARENT_FIELDS],
            batch_size=1000,
        )
        if created and created[0].pk is None:  # databases that return no primary keys
            created = Territory.objects.filter(level=level, code__in=[t.code for t in created])
        ids.update({(level, territory.code): territory.pk for territory in created})
        level_report.created = len(to_create)
        level_report.updated = len(to_update)
        level_report.retired = sum(1 for t in retired if retired_before[t.pk][0])
        level_report.total = len(rows)

    _sync_postal_codes(dataset, ids, report)
    _sync_aliases(dataset, ids, report)
    if renamed:
        territories_renamed.send(sender=Territory, territory_ids=renamed)
    return report


def _sync_postal_codes(dataset, ids, report):
    wanted = {(code, ids[(Level.COMMUNE, commune)]) for code, commune in dataset.postal_codes}
    existing = {
        (code, commune_id): pk
        for pk, code, commune_id in PostalCode.objects.values_list("pk", "code", "commune_id")
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        PostalCode.objects.filter(pk__in=stale).delete()
    PostalCode.objects.bulk_create(
        [
            PostalCode(code=code, commune_id=commune_id)
            for code, commune_id in wanted - existing.keys()
        ],
        batch_size=2000,
    )
    report.postal_codes_removed = len(stale)
    report.postal_codes_added = len(wanted - existing.keys())


def _sync_aliases(dataset, ids, report):
    existing = {alias.code: alias for alias in TerritoryAlias.objects.all()}
    to_create, to_update = [], []
    for code, (name, kind, commune) in dataset.aliases.items():
        wanted = {
            "name": name,
            "search_name": fold(name),
            "kind": kind,
            "territory_id": ids[(Level.COMMUNE, commune)],
        }
        alias = existing.get(code)
        if alias is None:
            to_create.append(TerritoryAlias(code=code, **wanted))
        elif any(getattr(alias, key) != value for key, value in wanted.items()):
            for key, value in wanted.items():
                setattr(alias, key, value)
            to_update.append(alias)
    stale = [alias.pk for code, alias in existing.items() if code not in dataset.aliases]
    if stale:
        TerritoryAlias.objects.filter(pk__in=stale).delete()
    TerritoryAlias.objects.bulk_create(to_create, batch_size=2000)
    TerritoryAlias.objects.bulk_update(
        to_update, ["name", "search_name", "kind", "territory_id"], batch_size=1000
    )
    report.aliases_added = len(to_create)
    report.aliases_updated = len(to_update)
    report.aliases_removed = len(stale)
