"""Loads the demo data set of providers/demo/data.py, idempotently, and removes it."""

import datetime
import hashlib

from django.db import transaction
from django.utils import timezone

from core.text import slug_for
from offerings.catalogue import load_catalogue
from offerings.models import Offering, ServiceKind, Software
from providers.models import Cluster, Label, Provider, Status, Workforce
from providers.search.indexer import deferred_refresh
from territories.models import Territory

from .data import (
    CLUSTERS,
    DEMO_NOTICE,
    FICTION_PHONE_PREFIX,
    LABELS,
    NOT_PUBLISHED,
    PROFILES,
    PROVIDERS,
)


def _stable_number(text, modulo):
    """A number derived from `text`, identical on every run (no randomness)."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % modulo


def _sync(instance, values):
    """Set `values` on `instance`; save only when something differs. Returns True if saved."""
    changed = instance.pk is None or any(
        getattr(instance, name) != value for name, value in values.items()
    )
    if changed:
        for name, value in values.items():
            setattr(instance, name, value)
        instance.save()
    return changed


def _set_related(manager, objects):
    """`manager.set(objects)` only when it changes something; True if it did."""
    if {obj.pk for obj in manager.all()} == {obj.pk for obj in objects}:
        return False
    manager.set(objects)
    return True


class DemoReport:
    def __init__(self):
        self.created = 0
        self.updated = 0


def _service_areas(seat, spec):
    by_code = {}
    areas, whole_country = [], False
    for token in spec:
        if token == "france":
            whole_country = True
        elif token == "commune":
            areas.append(seat)
        elif token == "epci":
            areas.append(seat.epci)
        elif token == "dep":
            areas.append(seat.departement)
        elif token == "region":
            areas.append(seat.region)
        else:
            level, code = token.split(":")
            level = "departement" if level == "dep" else level
            key = (level, code)
            if key not in by_code:
                by_code[key] = Territory.objects.current().get(level=level, code=code)
            areas.append(by_code[key])
    return [area for area in areas if area is not None], whole_country


def load_demo(now=None):
    """Create or refresh the demo data set; running it twice leaves the same rows."""
    with transaction.atomic(), deferred_refresh():
        return _load_demo(now)


def _load_demo(now):
    now = now or timezone.now()
    report = DemoReport()

    load_catalogue()  # the real programs the demo providers offer
    wanted = {name for offerings, _text in PROFILES.values() for name, _kinds in offerings}
    wanted |= {software_name for *_label, software_name in LABELS if software_name}
    software = {item.name: item for item in Software.objects.filter(name__in=wanted)}
    missing = wanted - software.keys()
    if missing:
        raise ValueError(f"Logiciels absents du catalogue : {', '.join(sorted(missing))}")
    kinds = {kind.slug: kind for kind in ServiceKind.objects.all()}

    labels = {}
    for name, kind, description, software_name in LABELS:
        instance = Label.objects.filter(name=name).first() or Label()
        _sync(
            instance,
            {
                "name": name,
                "kind": kind,
                "description": description,
                "software": software.get(software_name),
            },
        )
        labels[name] = instance

    regions = {region.code: region for region in Territory.objects.regions()}
    clusters_by_region = {}
    for name, region_codes in CLUSTERS:
        cluster = Cluster.objects.filter(name=name).first() or Cluster()
        _sync(
            cluster,
            {
                "name": name,
                "description": "Grappe fictive créée pour la démonstration.",
                "website": f"https://{slug_for(name)}.example",
                "is_demo": True,
            },
        )
        cluster.regions.set([regions[code] for code in region_codes])
        for code in region_codes:
            clusters_by_region[code] = cluster

    seats = {
        commune.code: commune
        for commune in Territory.objects.communes()
        .filter(code__in={row[1] for row in PROVIDERS})
        .select_related("epci", "departement", "region")
    }
    for name, seat_code, profile, area_spec, workforce, year, label_names, accepts in PROVIDERS:
        seat = seats[seat_code]
        offerings, description = PROFILES[profile]
        domain = f"{slug_for(name)}.example"
        status = NOT_PUBLISHED.get(name, Status.PUBLISHED)
        verified_days_ago = _stable_number(name, 400)
        phone_prefix = FICTION_PHONE_PREFIX.get(seat.region.code, "01 99 00")
        phone_suffix = _stable_number(name + "tel", 10000)
        provider = Provider.objects.filter(name=name, is_demo=True).first() or Provider()
        is_new = provider.pk is None
        changed = _sync(
            provider,
            {
                "name": name,
                "description": f"{description.format(name=name)}\n\n{DEMO_NOTICE}",
                "website": f"https://{domain}",
                "email": f"contact@{domain}",
                "show_email": True,
                "phone": f"{phone_prefix} {phone_suffix // 100:02d} {phone_suffix % 100:02d}",
                "address": f"{1 + _stable_number(name + 'no', 120)} rue des Logiciels Libres",
                "postal_code": seat.postal_codes.values_list("code", flat=True).first() or "",
                "seat": seat,
                "workforce": Workforce(workforce),
                "year_founded": year,
                "accepts_new_clients": accepts,
                "cluster": clusters_by_region.get(seat.region.code),
                "status": status,
                "is_demo": True,
                "last_verified_at": (
                    None
                    if status == Status.DRAFT
                    else (now - datetime.timedelta(days=verified_days_ago)).replace(
                        hour=10, minute=0, second=0, microsecond=0
                    )
                ),
            },
        )
        areas, whole_country = _service_areas(seat, area_spec)
        if provider.serves_whole_country != whole_country:
            provider.serves_whole_country = whole_country
            provider.save(update_fields=["serves_whole_country"])
            changed = True
        changed |= _set_related(provider.service_areas, areas)
        changed |= _set_related(provider.labels, [labels[label] for label in label_names])
        wanted = {software[software_name].pk: kind_slugs for software_name, kind_slugs in offerings}
        removed, _ = provider.offerings.exclude(software_id__in=wanted).delete()
        changed |= bool(removed)
        for software_id, kind_slugs in wanted.items():
            offering, created = Offering.objects.get_or_create(
                provider=provider, software_id=software_id
            )
            changed |= created
            changed |= _set_related(offering.service_kinds, [kinds[s] for s in kind_slugs])
        if is_new:
            report.created += 1
        elif changed:
            report.updated += 1
    return report


@transaction.atomic
def remove_demo():
    """Delete every demo provider and cluster (real listings are never touched)."""
    providers, _ = Provider.objects.filter(is_demo=True).delete()
    clusters, _ = Cluster.objects.filter(is_demo=True).delete()
    return providers + clusters
