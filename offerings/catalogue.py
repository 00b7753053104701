"""The reference catalogue of free software (offerings/data/catalogue.toml): what each
program is for (needs), what it can replace (proprietary products), its category,
licence, website and catalogue ids, each fact with its source in the file.

`load_catalogue()` writes it into the database, idempotently and in one transaction.
A moderator's edit is never overwritten: each row keeps, in `catalogue_values`, what
the last load wrote, and a field (or a list of needs or products) whose value differs
from that was changed by someone since, so it is left alone. A field the catalogue
writes for the first time only fills an empty value.

Written by hand rather than with django-import-export or fixtures: neither merges
three ways (catalogue, last load, database), and fixtures overwrite edits.
"""

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from core.text import slug_for

from .models import Need, ReplacedProduct, Software, SoftwareCategory, lines
from .validators import validate_spdx_expression, validate_wikidata_id

CATALOGUE_FILE = Path(__file__).resolve().parent / "data" / "catalogue.toml"
SOFTWARE_FIELDS = (
    "category",
    "description",
    "website",
    "licence",
    "wikidata_id",
    "sill_id",
    "comptoir_id",
)
ID_FIELDS = ("wikidata_id", "sill_id", "comptoir_id")
EMPTY = {"wikidata_id": "", "sill_id": None, "comptoir_id": None}


class CatalogueError(Exception):
    """The catalogue file cannot be loaded as it is (syntax, references, values)."""


@dataclass
class CatalogueReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # "Dolibarr: description" for each field left as a moderator edited it.
    kept: list = field(default_factory=list)
    # Ids another row already holds, not written.
    conflicts: list = field(default_factory=list)


def read_catalogue(path=CATALOGUE_FILE):
    """The parsed and checked catalogue: {"need": [...], "product": [...], "software": [...]}."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"Catalogue illisible ({path}) : {error}") from None
    errors = []
    needs = {entry.get("slug") for entry in data.get("need", [])}
    products = {entry.get("slug") for entry in data.get("product", [])}
    for kind in ("need", "product"):
        seen = set()
        for entry in data.get(kind, []):
            if not entry.get("slug") or not entry.get("name"):
                errors.append(f"{kind} sans slug ou sans nom : {entry}")
            if entry.get("slug") in seen:
                errors.append(f"{kind} en double : {entry.get('slug')}")
            seen.add(entry.get("slug"))
    names, ids = set(), {name: {} for name in ID_FIELDS}
    for entry in data.get("software", []):
        name = entry.get("name", "")
        errors.extend(_software_errors(entry, needs, products))
        if name in names:
            errors.append(f"logiciel en double : {name}")
        names.add(name)
        for id_field in ID_FIELDS:
            value = entry.get(id_field)
            if value not in (None, ""):
                if value in ids[id_field]:
                    errors.append(
                        f"{name} : {id_field} {value} déjà pris par {ids[id_field][value]}"
                    )
                ids[id_field][value] = name
    if errors:
        raise CatalogueError("Catalogue invalide :\n- " + "\n- ".join(errors))
    return {kind: data.get(kind, []) for kind in ("need", "product", "software")}


def _software_errors(entry, needs, products):
    name = entry.get("name") or "?"
    errors = []
    if not entry.get("name") or len(name) > 120:
        errors.append(f"logiciel sans nom ou nom trop long : {name}")
    if entry.get("category") not in SoftwareCategory.values:
        errors.append(f"{name} : catégorie inconnue {entry.get('category')!r}")
    if not entry.get("description") or len(entry["description"]) > 300:
        errors.append(f"{name} : description absente ou de plus de 300 caractères")
    for key, validator in (("licence", validate_spdx_expression), ("wikidata_id", None)):
        value = entry.get(key)
        if key == "wikidata_id" and not value:
            continue
        try:
            (validator or validate_wikidata_id)(value or "")
        except ValidationError as error:
            errors.append(f"{name} : {key} {value!r} : {' '.join(error.messages)}")
    errors += [
        f"{name} : besoin inconnu {slug}" for slug in entry.get("needs", []) if slug not in needs
    ]
    errors += [
        f"{name} : produit inconnu {slug}"
        for slug in entry.get("replaces", [])
        if slug not in products
    ]
    if not entry.get("sources"):
        errors.append(f"{name} : sources manquantes")
    return errors


def load_catalogue(path=CATALOGUE_FILE):
    """Create or update the needs, products and software of the catalogue; returns a
    CatalogueReport. All or nothing."""
    data = read_catalogue(path)
    report = CatalogueReport()
    with transaction.atomic():
        needs = {entry["slug"]: _merge_term(Need, entry, report) for entry in data["need"]}
        products = {
            entry["slug"]: _merge_term(ReplacedProduct, entry, report) for entry in data["product"]
        }
        for entry in data["software"]:
            _merge_software(entry, needs, products, report)
    return report


def _merge_value(instance, name, new, current, report, label):
    """The three-way rule for one value; returns the value to keep."""
    last = instance.catalogue_values.get(name, _MISSING)
    instance.catalogue_values[name] = new
    if instance.pk is None:
        return new
    if last is _MISSING:  # first load over an existing row: fill what is empty
        return new if current in ("", None, []) else current
    if current == last:
        return new
    if current != new:
        report.kept.append(f"{label} : {name}")
    return current


_MISSING = object()


def _merge_term(model, entry, report):
    """A need or a product, found by slug (or name), merged three ways."""
    found = model.objects.filter(Q(slug=entry["slug"]) | Q(name=entry["name"])).first()
    instance = found or model(slug=entry["slug"])
    created = instance.pk is None
    values = {
        "name": entry["name"],
        "aliases": "\n".join(lines("\n".join(entry.get("aliases", [])))),
        "on_home": bool(entry.get("home", False)),
    }
    before = [getattr(instance, name) for name in values], dict(instance.catalogue_values)
    for name, new in values.items():
        kept = _merge_value(instance, name, new, getattr(instance, name), report, entry["name"])
        setattr(instance, name, kept)
    after = [getattr(instance, name) for name in values], instance.catalogue_values
    if created or before != after:
        instance.save()
    return instance


def _merge_software(entry, needs, products, report):
    found = Software.objects.filter(
        Q(name=entry["name"]) | Q(slug=slug_for(entry["name"], max_length=140))
    ).first()
    instance = found or Software(name=entry["name"])
    created = instance.pk is None
    stored = dict(instance.catalogue_values)
    changed = created
    for name in SOFTWARE_FIELDS:
        new = entry.get(name, EMPTY.get(name, ""))
        current = getattr(instance, name)
        last = instance.catalogue_values.get(name, _MISSING)
        kept = _merge_value(instance, name, new, current, report, entry["name"])
        if kept != current or created:
            if name in ID_FIELDS and kept not in ("", None) and _id_taken(instance, name, kept):
                report.conflicts.append(f"{entry['name']} : {name} {kept} déjà attribué")
                # Not written: not remembered either, so that the next load tries again.
                if last is _MISSING:
                    instance.catalogue_values.pop(name, None)
                else:
                    instance.catalogue_values[name] = last
                continue
            setattr(instance, name, kept)
            changed = True
    relations = {
        "needs": (needs, sorted(entry.get("needs", []))),
        "replaces": (products, sorted(entry.get("replaces", []))),
    }
    current_relations = {}
    for name, (_terms, new) in relations.items():
        current = (
            sorted(getattr(instance, name).values_list("slug", flat=True)) if not created else []
        )
        current_relations[name] = (
            current,
            _merge_value(instance, name, new, current, report, entry["name"]),
        )
    changed |= stored != instance.catalogue_values
    if changed:
        try:
            instance.full_clean(exclude=["slug", *ID_FIELDS])
        except ValidationError as error:
            raise CatalogueError(f"{entry['name']} : {'; '.join(error.messages)}") from None
        instance.save()
    for name, (current, kept) in current_relations.items():
        if current != kept:
            terms = relations[name][0]
            getattr(instance, name).set([terms[slug] for slug in kept if slug in terms])
            changed = True
    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1
    return instance


def _id_taken(instance, name, value):
    return Software.objects.exclude(pk=instance.pk).filter(**{name: value}).exists()
