"""What importing a catalogue's file would do, record by record (issue #13): each
`SourceRecord` (opendata.sources) becomes a creation, an enrichment of the listing it
matches, « inchangée » when the file brings nothing new, a question for a moderator, or a
refusal, with the reason, the programs of our catalogue it names, and exactly what it
would write (`updates`, `new_software`) or propose to a moderator (`proposals`,
`proposed_software`). Reads the database, writes nothing: the dry run the command and the
admin show, and the plan `opendata.source_imports.apply_source` carries out.

Matching a listing, strongest first: the one this source's record already created or
enriched (its `Provenance`), the same SIREN, the same website (host without « www. »),
then the same name (folded, legal forms such as SARL or SAS left out) when exactly one
listing bears it. Records of one file that share a SIREN, a website or a name make one
listing. The sources give no address, so « a close name in the same département » cannot
apply: a name several listings share is a question.

What a record may change on a listing it matches: a field still empty, or still holding
the value this source gave last time (nobody edited it by hand since). A field edited by
hand is only proposed (an owner-style revision in the moderation queue); the listing's own
name is never replaced by another source's. A program the source lists is added to a
listing not yet published, and proposed for a published one; a program a moderator removed
after an earlier import is not added back. People (opendata.sources flags them) and names
several listings share wait for a moderator's explicit choice (`accept`). A record that
matches an archived listing (a company that asked to be removed) imports nothing.
"""

import re
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.publication import Status
from core.text import fold
from offerings.models import Offering, Software
from providers.models import SOURCED_FIELDS, Provenance, Provider, website_domain

LEGAL_FORMS = re.compile(r"\b(sarl|sas|sasu|sa|eurl|scop|scic|sci|gie|ste|societe)\b")
OUT_OF_SCOPE = (
    "une fiche hors de vos grappes correspond à cette fiche (même SIREN, même site web ou "
    "même nom) : voyez avec sa grappe"
)


class Decision(models.TextChoices):
    CREATE = "creation", _("Création d'un brouillon")
    ENRICH = "enrichissement", _("Enrichissement d'une fiche existante")
    UNCHANGED = "inchangee", _("Rien de nouveau")
    ASK = "question", _("À décider par un modérateur")
    REFUSE = "refus", _("Refus")


@dataclass(eq=False)
class RecordPlan:
    decision: str
    name: str
    where: str
    reason: str = ""
    record: object = None  # the SourceRecord, None for a refusal of the reader
    provider: Provider | None = None  # the listing it matches
    provenance: Provenance | None = None  # this record's earlier import
    same_as: "RecordPlan | None" = None  # an earlier record of the file: one listing
    software: list = field(default_factory=list)  # [Software] of the catalogue
    unknown_software: list = field(default_factory=list)  # [SoftwareRef] not in it
    updates: dict = field(default_factory=dict)  # {field: value} written
    proposals: dict = field(default_factory=dict)  # {field: value} proposed to moderators
    new_software: list = field(default_factory=list)  # [Software] offerings added
    proposed_software: list = field(default_factory=list)  # [Software] proposed

    @property
    def key(self):
        return self.record.key if self.record is not None else ""

    @property
    def values(self):
        """{field: value} the record gives (empty ones left out)."""
        if self.record is None:
            return {}
        return {
            name: getattr(self.record, name)
            for name in SOURCED_FIELDS
            if getattr(self.record, name)
        }

    @property
    def writes(self):
        return self.decision in (Decision.CREATE, Decision.ENRICH)

    def get_decision_display(self):
        return Decision(self.decision).label

    def details(self):
        """Lines saying what the import does with this record, for the dry run."""
        lines = [self.reason] if self.reason else []
        if self.software:
            lines.append("logiciels : " + ", ".join(software.name for software in self.software))
        if self.unknown_software:
            lines.append(
                "logiciels absents du catalogue, non importés : "
                + ", ".join(ref.name or "sans nom" for ref in self.unknown_software)
            )
        for label, before, after in self.changes():
            lines.append(f"{label} : {before} → {after}")
        if self.new_software and self.decision != Decision.CREATE:
            lines.append("offres ajoutées : " + ", ".join(s.name for s in self.new_software))
        for name, value in self.proposals.items():
            label = Provider._meta.get_field(name).verbose_name
            lines.append(f"proposé aux modérateurs (modifié à la main) : {label} → {value}")
        if self.proposed_software:
            lines.append(
                "offres proposées aux modérateurs (fiche publiée) : "
                + ", ".join(software.name for software in self.proposed_software)
            )
        return lines

    def changes(self):
        """[(field label, current value, new value)] of what the import writes."""
        rows = []
        for name, value in self.updates.items():
            label = Provider._meta.get_field(name).verbose_name
            current = getattr(self.provider, name, "") if self.provider is not None else ""
            rows.append((label, current or "—", value))
        return rows


def count_decisions(plans):
    """[(decision label, count)] in the order of `Decision`, zeros left out."""
    return [
        (decision.label, count)
        for decision in Decision
        if (count := sum(1 for plan in plans if plan.decision == decision))
    ]


def comparable_name(name):
    """« Gestion Ouverte SARL » and « gestion ouverte » compare equal."""
    return " ".join(LEGAL_FORMS.sub(" ", fold(name)).split())


class _Catalogue:
    """The catalogue's programs by SILL id, Comptoir id and folded name, read once."""

    def __init__(self):
        rows = list(Software.objects.all())
        self.by_sill = {software.sill_id: software for software in rows if software.sill_id}
        self.by_comptoir = {
            software.comptoir_id: software for software in rows if software.comptoir_id
        }
        self.by_name = {fold(software.name): software for software in rows}

    def find(self, ref):
        if ref.sill_id is not None and ref.sill_id in self.by_sill:
            return self.by_sill[ref.sill_id]
        if ref.comptoir_id is not None and ref.comptoir_id in self.by_comptoir:
            return self.by_comptoir[ref.comptoir_id]
        return self.by_name.get(fold(ref.name)) if ref.name else None


def _chunks(values, size=500):
    """`values` in lists of `size`: an IN of thousands of parameters is refused by some
    databases (SQLite caps them)."""
    values = list(values)
    return [values[start : start + size] for start in range(0, len(values), size)]


class _Listings:
    """The listings a file's records may match, what they offer and whether the importer
    may curate them. Every listing's SIREN, website and name are read in one query (short
    rows: 20,000 at national scale) and compared here: one filter per record, or one OR of
    thousands of conditions, would not scale (SQLite refuses so deep an expression). Then
    the listings matched are read whole. Five queries for a file of up to 500 records (six
    for a moderator), one more per 500 beyond."""

    def __init__(self, source, records, user):
        self.provenances = {}
        for keys in _chunks({record.key for record in records}):
            for provenance in Provenance.objects.filter(source=source, record_key__in=keys):
                self.provenances[provenance.record_key] = provenance
        sirens = {record.siren for record in records if record.siren}
        domains = {website_domain(record.website) for record in records if record.website}
        names = {comparable_name(record.name) for record in records}
        siren_ids, domain_ids, name_ids = {}, {}, {}
        for pk, siren, website, name in Provider.objects.order_by("pk").values_list(
            "pk", "siren", "website", "name"
        ):
            if siren in sirens:
                siren_ids[siren] = pk
            domain = website_domain(website)
            if domain in domains:
                domain_ids.setdefault(domain, pk)
            compared = comparable_name(name)
            if compared in names:
                name_ids.setdefault(compared, []).append(pk)
        ids = {
            *(provenance.provider_id for provenance in self.provenances.values()),
            *siren_ids.values(),
            *domain_ids.values(),
            *(pk for same in name_ids.values() for pk in same),
        }
        providers = {}
        for chunk in _chunks(sorted(ids)):
            providers.update(Provider.objects.in_bulk(chunk))
        for provenance in self.provenances.values():
            provenance.provider = providers[provenance.provider_id]
        self.by_siren = {siren: providers[pk] for siren, pk in siren_ids.items()}
        self.by_domain = {domain: providers[pk] for domain, pk in domain_ids.items()}
        self.by_name = {name: [providers[pk] for pk in same] for name, same in name_ids.items()}
        self.offered = {pk: set() for pk in ids}
        for chunk in _chunks(sorted(ids)):
            for provider_id, software_id in Offering.objects.filter(provider__in=chunk).values_list(
                "provider_id", "software_id"
            ):
                self.offered[provider_id].add(software_id)
        self.editable = ids if user is None else set()
        if user is not None:
            for chunk in _chunks(sorted(ids)):
                self.editable.update(
                    Provider.objects.editable_by(user)
                    .filter(pk__in=chunk)
                    .values_list("pk", flat=True)
                )

    def match(self, record):
        """(listing, how it matched) or (None, "") or (None, a question)."""
        provenance = self.provenances.get(record.key)
        if provenance is not None:
            return provenance.provider, "déjà importée de cette source"
        if record.siren and record.siren in self.by_siren:
            return self.by_siren[record.siren], "même SIREN"
        domain = website_domain(record.website)
        if domain and domain in self.by_domain:
            return self.by_domain[domain], "même site web"
        same_name = self.by_name.get(comparable_name(record.name), [])
        if len(same_name) == 1:
            return same_name[0], "même nom"
        if len(same_name) > 1:
            return None, f"{len(same_name)} fiches portent ce nom"
        return None, ""


class _Created:
    """The listings this file creates, by SIREN, website and name: a later record of the
    same organisation (the CNLL's entry with a SIREN, the SILL's with a website) joins the
    first one instead of making a second listing."""

    def __init__(self):
        self.keys = {}

    @staticmethod
    def _keys(record):
        keys = [("nom", comparable_name(record.name))]
        if record.siren:
            keys.append(("siren", record.siren))
        if record.website:
            keys.append(("site", website_domain(record.website)))
        return keys

    def find(self, record):
        for kind, key in self._keys(record):
            if (kind, key) in self.keys:
                return self.keys[(kind, key)], {
                    "nom": "même nom",
                    "siren": "même SIREN",
                    "site": "même site web",
                }[kind]
        return None, ""

    def add(self, plan):
        for key in self._keys(plan.record):
            self.keys.setdefault(key, plan)


def plan_source(source_file, *, file_date=None, user=None, accept=frozenset()):
    """[RecordPlan] of a `SourceFile`: its records in file order, then its refusals.

    `file_date`: the date of the file (a file older than a record's last import changes
    nothing of it); `user`: the moderator importing (None: the command line, everything
    in scope); `accept`: keys of records a moderator chose to import despite a question."""
    catalogue = _Catalogue()
    listings = _Listings(source_file.source, source_file.records, user)
    created = _Created()
    plans = []
    for record in source_file.records:
        plan = RecordPlan(Decision.CREATE, record.name, record.where, record=record)
        for ref in record.software:
            found = catalogue.find(ref)
            if found is None:
                plan.unknown_software.append(ref)
            elif found not in plan.software:
                plan.software.append(found)
        provider, how = listings.match(record)
        plan.provenance = listings.provenances.get(record.key)
        accepted = record.key in accept
        if provider is not None and provider.pk not in listings.editable:
            plan.decision, plan.reason = Decision.REFUSE, OUT_OF_SCOPE
        elif provider is not None and provider.status == Status.ARCHIVED:
            plan.decision, plan.provider = Decision.UNCHANGED, provider
            plan.reason = (
                f"{how} qu'une fiche archivée (retirée de l'annuaire) : rien n'est importé"
            )
        elif record.person and plan.provenance is None and not accepted:
            plan.decision = Decision.ASK
            plan.reason = f"{record.person_reason} : importée seulement sur décision explicite"
        elif provider is not None:
            plan.decision, plan.provider, plan.reason = Decision.ENRICH, provider, how
            _enrich(plan, listings, file_date)
        elif how and not accepted:
            plan.decision, plan.reason = Decision.ASK, how
        else:
            earlier, how = created.find(record)
            if earlier is not None:
                plan.decision, plan.same_as = Decision.ENRICH, earlier
                plan.reason = f"{how} que « {earlier.name} », créée par ce fichier"
                plan.updates = {
                    name: value
                    for name, value in plan.values.items()
                    if name not in earlier.updates
                }
                earlier.updates.update(plan.updates)
                plan.new_software = [s for s in plan.software if s not in earlier.new_software]
                earlier.new_software.extend(plan.new_software)
            else:
                plan.updates = dict(plan.values)
                plan.new_software = list(plan.software)
                created.add(plan)
                if not plan.software:
                    plan.reason = "aucun logiciel du catalogue : la fiche n'aura pas d'offre"
            if accepted:
                plan.reason = "importée sur décision explicite d'un modérateur"
        plans.append(plan)
    plans.extend(
        RecordPlan(Decision.REFUSE, refusal.name, refusal.where, refusal.reason)
        for refusal in source_file.refusals
    )
    return plans


def _enrich(plan, listings, file_date):
    """What `plan.record` changes on the listing it matched, and what it only proposes."""
    provider, provenance = plan.provider, plan.provenance
    if provenance is not None and file_date is not None and file_date < provenance.file_date:
        plan.decision = Decision.UNCHANGED
        plan.reason = (
            f"fichier plus ancien que le dernier import de cette fiche "
            f"({provenance.file_date:%d/%m/%Y}) : rien n'est changé"
        )
        return
    before = provenance.values if provenance is not None else {}
    for name, value in plan.values.items():
        current = getattr(provider, name)
        if value == current or value == before.get(name):
            continue  # nothing new, or a value edited by hand since the last import
        if name == "siren" and listings.by_siren.get(value, provider) != provider:
            continue  # another listing bears this SIREN: a merge for a moderator
        if not current or current == before.get(name):
            plan.updates[name] = value
        elif name == "name" and (
            name not in before or comparable_name(current) == comparable_name(value)
        ):
            continue  # the listing's own name stands
        else:
            plan.proposals[name] = value
    remembered = set(provenance.software) if provenance is not None else set()
    for software in plan.software:
        if software.pk in listings.offered[provider.pk] or software.name in remembered:
            continue  # offered, or removed by hand after an earlier import
        if provider.status == Status.PUBLISHED:
            plan.proposed_software.append(software)
        else:
            plan.new_software.append(software)
    if provenance is not None and not (
        plan.updates
        or plan.proposals
        or plan.new_software
        or plan.proposed_software
        or set(plan.values.items()) - set(before.items())
        or {software.name for software in plan.software} - remembered
    ):
        plan.decision, plan.reason = Decision.UNCHANGED, "déjà importée, rien de nouveau"
