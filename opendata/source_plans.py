"""What importing a catalogue's file would do, record by record (issue #13, second step):
each `SourceRecord` (opendata.sources) becomes a creation, an enrichment of the listing it
matches, a question for a moderator, or a refusal, with the reason, and the programs of the
catalogue it names. Reads the database, writes nothing: the dry run the import command and
the admin will show before a moderator confirms.

Matching an existing listing, strongest first: the same SIREN, the same website (host
without « www. »), then the same name (folded, legal forms such as SARL or SAS left out)
when exactly one listing bears it. The sources give no address, so « a close name in the
same département » cannot apply: a name shared by several listings is a question.
"""

import re
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.text import fold
from offerings.models import Software
from providers.models import Provider, website_domain

LEGAL_FORMS = re.compile(r"\b(sarl|sas|sasu|sa|eurl|scop|scic|sci|gie|ste|societe)\b")


class Decision(models.TextChoices):
    CREATE = "creation", _("Création d'un brouillon")
    ENRICH = "enrichissement", _("Enrichissement d'une fiche existante")
    ASK = "question", _("À décider par un modérateur")
    REFUSE = "refus", _("Refus")


@dataclass
class RecordPlan:
    decision: str
    name: str
    where: str
    reason: str = ""
    record: object = None  # the SourceRecord, None for a refusal of the reader
    provider: Provider | None = None  # the listing it matches
    software: list = field(default_factory=list)  # [Software] of the catalogue
    unknown_software: list = field(default_factory=list)  # [SoftwareRef] not in it


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


class _Listings:
    """The listings a record may match, read in three queries for the whole file."""

    def __init__(self, records):
        sirens = {record.siren for record in records if record.siren}
        domains = {website_domain(record.website) for record in records if record.website}
        names = {comparable_name(record.name) for record in records}
        self.by_siren = {
            provider.siren: provider for provider in Provider.objects.filter(siren__in=sirens)
        }
        self.by_domain = {}
        if domains:
            hosts = Q()
            for domain in domains:
                hosts |= Q(website__icontains=domain)
            for provider in Provider.objects.filter(hosts):
                self.by_domain.setdefault(website_domain(provider.website), provider)
        self.by_name = {}
        first_words = {name.split()[0] for name in names if name}
        if first_words:
            candidates = Q()
            for word in first_words:
                candidates |= Q(name__icontains=word)
            for provider in Provider.objects.filter(candidates).only("pk", "name", "slug"):
                self.by_name.setdefault(comparable_name(provider.name), []).append(provider)

    def match(self, record):
        """(listing, how it matched) or (None, "") or (None, a question)."""
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


def plan_source(source_file):
    """[RecordPlan] of a `SourceFile`: its records in file order, then its refusals."""
    catalogue = _Catalogue()
    listings = _Listings(source_file.records)
    plans = []
    for record in source_file.records:
        software, unknown = [], []
        for ref in record.software:
            found = catalogue.find(ref)
            if found is None:
                unknown.append(ref)
            elif found not in software:
                software.append(found)
        plan = RecordPlan(
            decision=Decision.CREATE,
            name=record.name,
            where=record.where,
            record=record,
            software=software,
            unknown_software=unknown,
        )
        provider, how = listings.match(record)
        if record.person:
            plan.decision = Decision.ASK
            plan.reason = f"{record.person_reason} : importée seulement sur décision explicite"
        elif provider is not None:
            plan.decision, plan.provider, plan.reason = Decision.ENRICH, provider, how
        elif how:
            plan.decision, plan.reason = Decision.ASK, how
        elif not software:
            plan.reason = "aucun logiciel du catalogue : la fiche n'aura pas d'offre"
        plans.append(plan)
    plans.extend(
        RecordPlan(Decision.REFUSE, refusal.name, refusal.where, refusal.reason)
        for refusal in source_file.refusals
    )
    return plans
