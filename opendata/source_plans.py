"""What importing a catalogue's file would do, record by record (issue #13): each
`SourceRecord` (opendata.sources) becomes a creation, an enrichment of the listing it
matches, « inchangée » when the file brings nothing new, a question for a moderator, or a
refusal, with the reason, the programs of our catalogue it names, and exactly what it
would write (`updates`, `new_software`) or propose to a moderator (`proposals`,
`proposed_software`). Reads the database, writes nothing: the dry run the command and the
admin show, and the plan `opendata.source_imports.apply_source` carries out.

Matching a listing, strongest first: the one this source's record already created or
enriched (its `Provenance`, found by the record's id, or the only one of this source on a
listing matched otherwise: a SIREN may have replaced the address as the record's id), the
same SIREN, the same website (`site_key`: the host without « www. », plus the first part
of the path on a host many share, such as github.com), then the same name (folded, legal
forms such as SARL or SAS left out) when exactly one listing bears it. A website or a name
never joins two different SIRENs: that is a question. Records of one file that share a
SIREN, a website or a name make one listing. The sources give no address, so « a close
name in the same département » cannot apply: a name several listings share is a question.

What a record may change on a listing it matches: a field still empty, or still holding
the value this source gave last time (nobody edited it by hand since). A field edited by
hand is only proposed (a revision in the moderation queue); the listing's own name is
never replaced by another source's; a published listing matched by its name alone gets
proposals only. A program the source lists is added to a
listing not yet published, and proposed for a published one; a program a moderator removed
after an earlier import is not added back. People (opendata.sources flags them) and names
several listings share wait for a moderator's explicit choice (`accept`). A record that
matches an archived listing (a company that asked to be removed) imports nothing.
"""

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.publication import Status
from core.text import fold
from offerings.models import Offering, Software
from providers.models import SOURCED_FIELDS, Provenance, Provider, website_domain

# Hosts where many companies have a page: the first part of the path tells them apart.
SHARED_HOSTS = {
    "github.com", "gitlab.com", "framagit.org", "codeberg.org", "sites.google.com",
    "linkedin.com", "facebook.com", "twitter.com", "x.com", "mastodon.social",
    "comptoir-du-libre.org", "annuaire.cnll.fr", "gitlab.adullact.net", "about.me",
}  # fmt: skip
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


def site_key(url):
    """A website as it identifies a company: « gestion-ouverte.example » for
    https://www.gestion-ouverte.example/contact, « github.com/acme » for
    https://github.com/acme/outil; "" for none, or for the bare host of a shared one."""
    host = website_domain(url)
    if host not in SHARED_HOSTS:
        return host
    first = urlsplit(url).path.strip("/").split("/")[0].lower()
    return f"{host}/{first}" if first else ""


def other_sirens(record, other):
    """Whether `record` and `other` (a listing, or another record) name two different
    companies by their SIRENs."""
    return bool(record.siren and other.siren and record.siren != other.siren)


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
    the listings matched are read whole. Six queries for a file of up to 500 records (seven
    for a moderator), a few more per 500 beyond."""

    def __init__(self, source, records, user):
        self.provenances = {}
        for keys in _chunks({record.key for record in records}):
            for provenance in Provenance.objects.filter(source=source, record_key__in=keys):
                self.provenances[provenance.record_key] = provenance
        sirens = {record.siren for record in records if record.siren}
        domains = {site_key(record.website) for record in records} - {""}
        names = {comparable_name(record.name) for record in records}
        siren_ids, domain_ids, name_ids = {}, {}, {}
        for pk, siren, website, name in Provider.objects.order_by("pk").values_list(
            "pk", "siren", "website", "name"
        ):
            if siren in sirens:
                siren_ids[siren] = pk
            domain = site_key(website)
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
        self.same_source = {}  # listing pk -> its provenances from this source
        for chunk in _chunks(sorted(ids)):
            for provenance in Provenance.objects.filter(source=source, provider__in=chunk):
                provenance.provider = providers[provenance.provider_id]
                self.same_source.setdefault(provenance.provider_id, []).append(provenance)
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
        domain = site_key(record.website)
        if domain and domain in self.by_domain:
            provider = self.by_domain[domain]
            if other_sirens(record, provider):
                return None, f"même site web que « {provider.name} », mais un autre SIREN"
            return provider, "même site web"
        same_name = self.by_name.get(comparable_name(record.name), [])
        if len(same_name) == 1:
            if other_sirens(record, same_name[0]):
                return None, f"même nom que « {same_name[0].name} », mais un autre SIREN"
            return same_name[0], "même nom"
        if len(same_name) > 1:
            return None, f"{len(same_name)} fiches portent ce nom"
        return None, ""


class _SeenInFile:
    """The records of this file already planned, by SIREN, website and name: a later record
    of the same organisation (the CNLL's entry with a SIREN, the SILL's with a website)
    joins the listing the first one creates or enriches instead of making a second one."""

    HOW = {"siren": "même SIREN", "site": "même site web", "nom": "même nom"}

    def __init__(self):
        self.plans = {}

    @staticmethod
    def _keys(record):
        keys = [("siren", record.siren), ("site", site_key(record.website))]
        return [*(key for key in keys if key[1]), ("nom", comparable_name(record.name))]

    def find(self, record):
        """(the earlier plan, how it matched), or (None, "")."""
        for kind, key in self._keys(record):
            earlier = self.plans.get((kind, key))
            if earlier is not None and not other_sirens(record, earlier.record):
                return earlier, self.HOW[kind]
        return None, ""

    def add(self, plan):
        for key in self._keys(plan.record):
            self.plans.setdefault(key, plan)


def plan_source(source_file, *, file_date=None, user=None, accept=frozenset()):
    """[RecordPlan] of a `SourceFile`: its records in file order, then its refusals.

    `file_date`: the date of the file (a file older than a record's last import changes
    nothing of it); `user`: the moderator importing (None: the command line, everything
    in scope); `accept`: keys of records a moderator chose to import despite a question."""
    catalogue = _Catalogue()
    listings = _Listings(source_file.source, source_file.records, user)
    seen = _SeenInFile()
    keys = {record.key for record in source_file.records}
    adopted = set()  # provenances a record of this file has taken over
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
        earlier = None
        if provider is None:
            earlier, how_in_file = seen.find(record)
            if earlier is not None:
                provider, how = earlier.provider, how_in_file
        plan.provenance = listings.provenances.get(record.key)
        if plan.provenance is None and provider is not None and provider.pk is not None:
            former = [
                provenance
                for provenance in listings.same_source.get(provider.pk, [])
                if provenance.record_key not in keys and provenance.pk not in adopted
            ]
            if len(former) == 1:
                plan.provenance = former[0]
                adopted.add(former[0].pk)
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
            if earlier is not None:
                plan.reason = f"{how} que « {earlier.name} », plus haut dans ce fichier"
            _enrich(plan, listings, file_date, how)
            _leave_to_earlier(plan, plans)
            seen.add(plan)
        elif earlier is not None:  # joins a listing this file creates
            plan.decision, plan.same_as = Decision.ENRICH, earlier
            plan.reason = f"{how} que « {earlier.name} », créée par ce fichier"
            plan.updates = {
                name: value for name, value in plan.values.items() if name not in earlier.updates
            }
            earlier.updates.update(plan.updates)
            plan.new_software = [s for s in plan.software if s not in earlier.new_software]
            earlier.new_software.extend(plan.new_software)
        elif how and not accepted:
            plan.decision, plan.reason = Decision.ASK, how
        else:
            plan.updates = dict(plan.values)
            plan.new_software = list(plan.software)
            seen.add(plan)
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


def _leave_to_earlier(plan, plans):
    """Two records of one file for one listing: what the first one writes stands."""
    for earlier in plans:
        if earlier.provider is plan.provider and earlier.writes:
            for name in earlier.updates:
                plan.updates.pop(name, None)
            plan.new_software = [s for s in plan.new_software if s not in earlier.new_software]


def _enrich(plan, listings, file_date, how):
    """What `plan.record` changes on the listing it matched, and what it only proposes
    (everything, for a published listing matched by its name alone)."""
    provider, provenance = plan.provider, plan.provenance
    propose_only = provider.status == Status.PUBLISHED and how == "même nom"
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
        if (not current or current == before.get(name)) and not propose_only:
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
