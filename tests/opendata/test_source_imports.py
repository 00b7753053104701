"""Importing the national catalogues (issue #13): the CNLL's, the SILL's and the Comptoir
du Libre's files, written in their real shapes, make drafts with their provenance, one
listing per company whatever the number of sources, and a second run changes nothing."""

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.publication import Status
from opendata.source_imports import apply_source
from opendata.source_plans import Decision, plan_source
from opendata.sources import Source, read_source
from providers.models import Provenance, Provider, ReviewStatus, Revision
from tests.factories import OfferingFactory, ProviderFactory, commune

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "sources"
NOV_30 = datetime.date(2026, 11, 30)


def run(source, *args, path=None):
    out = StringIO()
    call_command("import_source", source, str(path or FILES / f"{source}.json"), *args, stdout=out)
    return out.getvalue()


def import_all(*args):
    return [run(source, "--date", "2026-11-30", *args) for source in ("cnll", "sill", "comptoir")]


def offered(provider):
    return sorted(provider.offerings.values_list("software__name", flat=True))


def test_three_catalogues_make_one_draft_per_company_with_every_source(catalogue):
    import_all()

    gestion = Provider.objects.get(siren="900000019")
    assert gestion.name == "Gestion Ouverte"  # the Comptoir's « … SARL » did not rename it
    assert gestion.website == "https://gestion-ouverte.example"  # from the SILL
    assert offered(gestion) == ["Dolibarr", "Nextcloud"]
    assert (gestion.status, gestion.seat, gestion.cluster) == (Status.PENDING, None, None)
    assert sorted(gestion.provenances.values_list("source", "record_key")) == [
        ("cnll", "900000019"),
        ("comptoir", "501"),
        ("sill", "900000019"),
    ]
    comptoir = gestion.provenances.get(source=Source.COMPTOIR)
    assert comptoir.record_url == "https://comptoir-du-libre.org/fr/users/501"
    assert comptoir.file_date == NOV_30
    assert comptoir.values["name"] == "Gestion Ouverte SARL"

    nuage = Provider.objects.get(name="Nuage Coopératif")
    assert offered(nuage) == ["Nextcloud"]  # « Logiciel Inconnu » is not invented
    assert offered(Provider.objects.get(name="Campus Libre")) == ["Moodle"]
    # People, refused records and nameless ones made no listing.
    assert sorted(Provider.objects.values_list("name", flat=True)) == [
        "Campus Libre",
        "Gestion Ouverte",
        "Nuage Coopératif",
    ]
    history = gestion.history.order_by("history_date")
    assert history.first().history_change_reason == "Import CNLL, fichier du 30/11/2026"
    assert history.last().history_change_reason == "Import SILL, fichier du 30/11/2026"


def test_the_dry_run_lists_every_decision_and_writes_nothing(catalogue):
    output = run("comptoir", "--dry-run")
    assert "Comptoir du Libre, fichier du 30/11/2026" in output  # the file's own date
    assert "[Création d'un brouillon] Gestion Ouverte SARL" in output
    assert "[À décider par un modérateur] Camille Durand" in output
    assert "personne physique selon la source : importée seulement sur décision" in output
    assert "[À décider par un modérateur] Jeanne Martin" in output
    assert "[Refus] Site Cassé (logiciel n° 1, provider n° 4)" in output
    assert "site web illisible" in output
    assert "Essai à blanc : rien n'a été écrit." in output
    assert not Provider.objects.exists() and not Provenance.objects.exists()


def test_a_second_run_of_the_same_files_changes_nothing(catalogue):
    import_all()
    before = (
        list(Provider.objects.values()),
        list(Provenance.objects.values()),
        Provider.history.count(),
        Revision.objects.count(),
    )
    outputs = import_all()
    assert all("0 brouillon(s) créé(s), 0 fiche(s) enrichie(s)" in out for out in outputs)
    assert "[Rien de nouveau] Gestion Ouverte SARL" in outputs[2]
    after = (
        list(Provider.objects.values()),
        list(Provenance.objects.values()),
        Provider.history.count(),
        Revision.objects.count(),
    )
    assert after == before


def test_a_person_is_imported_only_when_a_moderator_names_it_and_never_with_an_email(catalogue):
    output = run("comptoir", "--accept", "777")
    camille = Provider.objects.get(name="Camille Durand")
    assert camille.email == ""  # the file holds camille@camille.example
    assert camille.provenances.get().record_key == "777"
    assert not Provider.objects.filter(name="Jeanne Martin").exists()
    assert "importée sur décision explicite d'un modérateur" in output
    # Once accepted, a newer file no longer asks about her.
    plans = plan_source(read_source(Source.COMPTOIR, (FILES / "comptoir.json").read_bytes()))
    assert {plan.name: plan.decision for plan in plans}["Camille Durand"] == Decision.UNCHANGED


def test_a_newer_file_updates_untouched_fields_and_proposes_the_others(catalogue, tmp_path):
    run("sill", "--date", "2026-11-30")
    nuage = Provider.objects.get(name="Nuage Coopératif")
    nuage.name = "Nuage Coopératif de l'Ouest"  # edited by hand
    nuage.save()
    newer = json.loads((FILES / "sill.json").read_text())
    nuage_record = newer[1]["serviceProviders"][1]
    nuage_record["name"] = "Nuage Coop"
    nuage_record["website"] = "https://nuage.example"
    newer[0]["serviceProviders"].append(dict(nuage_record))  # now also for Dolibarr
    path = tmp_path / "sill.json"
    path.write_text(json.dumps(newer))

    output = run("sill", "--date", "2026-12-05", path=path)

    nuage.refresh_from_db()
    assert nuage.website == "https://nuage.example"  # untouched since the import: updated
    assert nuage.name == "Nuage Coopératif de l'Ouest"  # edited by hand: only proposed
    assert offered(nuage) == ["Dolibarr", "Nextcloud"]  # a draft: the program is added
    proposal = Revision.objects.get(provider=nuage)
    assert proposal.status == ReviewStatus.PENDING
    assert proposal.origin == "Import SILL, fichier du 05/12/2026"
    assert proposal.data["fields"]["name"] == "Nuage Coop"
    assert "proposé aux modérateurs (modifié à la main) : raison sociale" in output
    assert nuage.provenances.get().file_date == datetime.date(2026, 12, 5)

    # The older file again: nothing goes back.
    older = run("sill", "--date", "2026-11-30")
    nuage.refresh_from_db()
    assert nuage.website == "https://nuage.example"
    assert "fichier plus ancien que le dernier import de cette fiche (05/12/2026)" in older


def test_a_published_listing_gets_empty_fields_filled_and_new_programs_proposed(catalogue):
    listing = ProviderFactory(
        name="Gestion Ouverte", siren="", website="https://gestion-ouverte.example"
    )
    run("sill", "--date", "2026-11-30")
    listing.refresh_from_db()
    assert listing.siren == "900000019"  # matched by its website: filled in
    assert listing.status == Status.PUBLISHED
    assert offered(listing) == []  # published: programs wait for a moderator
    proposal = Revision.objects.get(provider=listing)
    assert proposal.data == {
        "partial": True,
        "fields": {},
        "add_offerings": [catalogue["dolibarr"].pk, catalogue["nextcloud"].pk],
    }


def test_a_published_listing_matched_by_its_name_alone_only_gets_proposals(catalogue):
    listing = ProviderFactory(name="Gestion Ouverte SARL", siren="", website="")
    run("sill", "--date", "2026-11-30")
    listing.refresh_from_db()
    assert (listing.siren, listing.website) == ("", "")  # a name is not proof enough
    proposal = Revision.objects.get(provider=listing)
    assert proposal.data["fields"] == {
        "siren": "900000019",
        "website": "https://gestion-ouverte.example",
    }


def test_new_drafts_go_to_the_cluster_chosen(catalogue, idf_cluster):
    run("cnll", "--cluster", idf_cluster.slug)
    assert set(Provider.objects.values_list("cluster", flat=True)) == {idf_cluster.pk}


def test_a_moderator_cannot_enrich_a_listing_outside_their_clusters(
    catalogue, idf_moderator, aura_cluster
):
    ProviderFactory(
        name="Gestion Ouverte", siren="900000019", cluster=aura_cluster, seat=commune("69123")
    )
    source_file = read_source(Source.CNLL, (FILES / "cnll.json").read_bytes())
    plans = plan_source(source_file, file_date=NOV_30, user=idf_moderator)
    gestion = next(plan for plan in plans if plan.name == "Gestion Ouverte")
    assert gestion.decision == Decision.REFUSE
    assert "hors de vos grappes" in gestion.reason
    result = apply_source(plans, source=Source.CNLL, file_date=NOV_30, user=idf_moderator)
    assert (result.created, result.enriched) == (1, 0)
    assert not Provenance.objects.filter(record_key="900000019").exists()


def test_a_file_in_no_known_shape_is_a_clear_error(tmp_path):
    path = tmp_path / "sill.json"
    path.write_text('{"softwares": []}')
    with pytest.raises(CommandError, match="liste de logiciels"):
        run("sill", path=path)


def sill_file(*providers, program=("Nextcloud", 117)):
    """A SILL-shaped file listing `providers` (dicts of the SILL's keys) under one program."""
    name, sill_id = program
    return json.dumps([{"id": sill_id, "name": name, "serviceProviders": list(providers)}])


def import_content(source, content, date=NOV_30):
    plans = plan_source(read_source(source, content.encode()), file_date=date)
    apply_source(plans, source=source, file_date=date)
    return plans


def test_a_name_or_a_website_never_joins_two_sirens(catalogue):
    import_content(
        Source.SILL,
        sill_file(
            {"name": "Delta SARL", "siren": "900000050"},
            {"name": "Delta", "siren": "900000068"},
            {"name": "Epsilon", "website": "https://github.com/epsilon"},
            {"name": "Zeta", "website": "https://github.com/zeta/outil"},
        ),
    )
    assert sorted(Provider.objects.values_list("name", "siren")) == [
        ("Delta", "900000068"),
        ("Delta SARL", "900000050"),
        ("Epsilon", ""),
        ("Zeta", ""),
    ]
    ProviderFactory(name="Omega", siren="900000076", website="https://omega.example")
    plans = plan_source(
        read_source(
            Source.SILL,
            sill_file({"name": "Oméga", "siren": "900000084", "website": "omega.example"}).encode(),
        )
    )
    assert plans[0].decision == Decision.ASK
    assert plans[0].reason == "même site web que « Omega », mais un autre SIREN"


def test_a_record_that_gains_a_siren_keeps_its_history(catalogue):
    first = {"name": "Theta Services", "website": "https://theta.example"}
    import_content(Source.SILL, sill_file(first))
    later = {**first, "siren": "900000092"}
    plans = import_content(Source.SILL, sill_file(later), date=datetime.date(2026, 12, 5))
    theta = Provider.objects.get()
    assert theta.siren == "900000092"  # its key changed from the address to the SIREN
    assert (plans[0].reason, plans[0].decision) == ("même site web", Decision.ENRICH)
    assert not Revision.objects.exists()  # the website, untouched, was not « proposed »
    provenance = theta.provenances.get()
    assert provenance.record_key == "900000092"
    assert provenance.file_date == datetime.date(2026, 12, 5)


def test_proposals_of_two_sources_are_laid_on_the_listing_as_it_is(catalogue, admin_user):
    from providers.curation.decisions import approve_revision

    listing = ProviderFactory(
        name="Gestion Ouverte", siren="900000019", website="https://gestion-ouverte.example"
    )
    OfferingFactory(provider=listing, software=catalogue["dolibarr"])
    import_content(Source.SILL, sill_file({"name": "Gestion Ouverte", "siren": "900000019"}))
    cnll = [
        {
            "nom": "Moodle",
            "sill_id": 1,
            "prestataires": [{"nom": "Gestion Ouverte", "siren": "900000019"}],
        }
    ]
    import_content(Source.CNLL, json.dumps(cnll))
    listing.description = "Écrite à la main après les imports."
    listing.save()

    for proposal in Revision.objects.order_by("pk"):
        approve_revision(proposal, admin_user)

    listing.refresh_from_db()
    assert offered(listing) == ["Dolibarr", "Moodle", "Nextcloud"]
    assert listing.description == "Écrite à la main après les imports."


def test_a_newer_file_keeps_what_an_earlier_one_proposed(catalogue):
    page = "https://comptoir-du-libre.org/fr/users/9"
    kappa_file = {"name": "Kappa", "website": "https://kappa.example", "cdlUrl": page}
    import_content(Source.SILL, sill_file(kappa_file))
    kappa = Provider.objects.get()
    kappa.name, kappa.website = "Kappa Conseil", "https://kappa.fr"  # by hand
    kappa.save()
    kappa_file["website"] = "https://kappa2.example"
    import_content(Source.SILL, sill_file(kappa_file), date=datetime.date(2026, 12, 1))
    kappa_file["name"] = "Kappa Libre"
    import_content(
        Source.SILL,
        sill_file(kappa_file, program=("Dolibarr", 82)),
        date=datetime.date(2026, 12, 2),
    )
    waiting = Revision.objects.get(status=ReviewStatus.PENDING)
    assert waiting.data["fields"] == {"website": "https://kappa2.example", "name": "Kappa Libre"}
    assert waiting.origin == "Import SILL, fichier du 02/12/2026"
    assert offered(kappa) == ["Dolibarr", "Nextcloud"]  # a draft: Dolibarr simply added
