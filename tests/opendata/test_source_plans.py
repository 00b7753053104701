"""The dry run of a catalogue import: each record of the SILL, CNLL and Comptoir files
becomes a creation, an enrichment of the listing it matches, a question or a refusal, with
the reason and the programs of our catalogue (issue #13, second step; nothing written)."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from opendata.source_plans import Decision, comparable_name, plan_source
from opendata.sources import SoftwareRef, Source, read_source
from tests.factories import ProviderFactory, commune

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "sources"


@pytest.fixture
def gestion_ouverte():
    return ProviderFactory(
        name="Gestion Ouverte",
        siren="900000019",
        website="https://gestion-ouverte.example",
        seat=commune("69123"),
    )


def plans_of(source):
    plans = plan_source(read_source(source, (FILES / f"{source}.json").read_bytes()))
    return {plan.name: plan for plan in plans}, plans


def test_the_sill_file_enriches_the_listing_with_the_same_siren_and_creates_the_others(
    catalogue, gestion_ouverte
):
    plans, ordered = plans_of(Source.SILL)
    gestion = plans["Gestion Ouverte"]
    assert (gestion.decision, gestion.reason) == (Decision.ENRICH, "même SIREN")
    assert gestion.provider == gestion_ouverte
    assert gestion.software == [catalogue["dolibarr"], catalogue["nextcloud"]]
    nuage = plans["Nuage Coopératif"]
    assert nuage.decision == Decision.CREATE
    assert nuage.software == [catalogue["nextcloud"]]
    assert nuage.unknown_software == [SoftwareRef("Logiciel Inconnu", sill_id=99999)]
    assert plans["Mauvais Numéro"].decision == Decision.REFUSE
    assert ordered[-1].decision == Decision.REFUSE  # the reader's refusals come last


def test_the_comptoir_file_matches_by_website_and_asks_about_people(catalogue, gestion_ouverte):
    plans, _ordered = plans_of(Source.COMPTOIR)
    gestion = plans["Gestion Ouverte SARL"]  # www. and the legal form do not matter
    assert (gestion.decision, gestion.provider) == (Decision.ENRICH, gestion_ouverte)
    assert gestion.reason == "même site web"
    for person in ("Camille Durand", "Jeanne Martin"):
        assert plans[person].decision == Decision.ASK
        assert "importée seulement sur décision explicite" in plans[person].reason
    assert plans["Site Cassé"].decision == Decision.REFUSE


def test_the_cnll_file_finds_a_program_by_its_name_and_reports_a_nameless_record(catalogue):
    plans, _ordered = plans_of(Source.CNLL)
    campus = plans["Campus Libre"]
    assert campus.decision == Decision.CREATE and campus.software == [catalogue["moodle"]]
    assert [plan.reason for plan in plans.values() if plan.decision == Decision.REFUSE] == [
        "pas de nom"
    ]


def test_a_name_shared_by_two_listings_is_a_question_not_a_guess(catalogue):
    ProviderFactory(name="Nuage Coopératif", seat=commune("35238"))
    ProviderFactory(name="Nuage Cooperatif SAS", seat=commune("13055"))
    plans, _ordered = plans_of(Source.SILL)
    assert plans["Nuage Coopératif"].decision == Decision.ASK
    assert plans["Nuage Coopératif"].reason == "2 fiches portent ce nom"


def test_a_record_with_no_program_of_the_catalogue_is_created_with_a_warning():
    plans, _ordered = plans_of(Source.CNLL)  # empty catalogue
    assert plans["Campus Libre"].decision == Decision.CREATE
    assert "aucun logiciel du catalogue" in plans["Campus Libre"].reason


def test_a_dry_run_reads_the_database_in_a_fixed_number_of_queries(catalogue, gestion_ouverte):
    source_file = read_source(Source.SILL, (FILES / "sill.json").read_bytes())
    with CaptureQueriesContext(connection) as few:
        plan_source(source_file)
    source_file.records = source_file.records * 20
    with CaptureQueriesContext(connection) as many:
        plan_source(source_file)
    assert len(few) == len(many) <= 6  # programs, 2 of provenances, listings, matched, offerings


def test_comparable_names_ignore_case_accents_and_legal_forms():
    assert comparable_name("Gestion Ouverte SARL") == comparable_name("gestion  ouverte")
    assert comparable_name("SAS Coopérative Libre") == "cooperative libre"
