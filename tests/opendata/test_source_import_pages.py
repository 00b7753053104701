"""A moderator imports a national catalogue from the admin, reviews the drafts, and the
public page names the source until someone vouches for the listing (issue #13)."""

import datetime
import json
from io import StringIO
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.publication import Status
from offerings.models import ServiceKind
from opendata.source_imports import apply_source
from opendata.source_plans import Decision, plan_source
from opendata.sources import Source, read_source
from providers.models import Provenance, Provider
from tests.factories import ProviderFactory, commune

pytestmark = pytest.mark.django_db
FILES = Path(__file__).parent / "sources"
IMPORT_URL = "/admin/providers/provider/import-catalogue/"


def upload(client, source, **fields):
    with open(FILES / f"{source}.json", "rb") as file:
        return client.post(
            IMPORT_URL,
            {"source": source, "file": file, "cluster": "a-classer", **fields},
            follow=True,
        )


def confirm(client, **fields):
    """« Confirmer l'import » on the dry run last shown to this client."""
    token = client.session["opendata_import_source"]["token"]
    return client.post(IMPORT_URL, {"confirm": "1", "token": token, **fields}, follow=True)


def test_the_provider_list_links_to_the_catalogue_import(moderator_client):
    page = moderator_client.get("/admin/providers/provider/").content.decode()
    assert f'href="{IMPORT_URL}"' in page and "Importer un catalogue national" in page


def test_a_superuser_dry_runs_then_confirms_and_picks_a_person_explicitly(admin_client, catalogue):
    page = upload(admin_client, "comptoir").content.decode()
    assert "Essai à blanc : rien n'est encore enregistré" in page
    assert "Comptoir du Libre, fichier du 30 novembre 2026" in page
    assert "Création d&#x27;un brouillon" in page
    assert "Importer quand même « Camille Durand »" in page
    assert "site web illisible" in page  # « Site Cassé » and its javascript: address
    assert not Provider.objects.exists()

    done = confirm(admin_client, accept=["777"])

    assert done.redirect_chain[-1][0] == reverse("admin:providers_moderation")
    assert "Import terminé : 2 brouillon(s) créé(s)" in done.content.decode()
    assert sorted(Provider.objects.values_list("name", "status", "seat", "cluster")) == [
        ("Camille Durand", Status.PENDING, None, None),
        ("Gestion Ouverte SARL", Status.PENDING, None, None),
    ]
    queue = done.content.decode()
    assert "à classer : commune du siège à indiquer" in queue


def test_a_moderator_imports_into_their_cluster_and_sees_the_drafts(
    moderator_client, idf_cluster, catalogue
):
    form = moderator_client.get(IMPORT_URL).content.decode()
    assert "À classer" not in form  # the « à classer » bucket is the superusers'
    page = upload(moderator_client, "cnll", cluster=str(idf_cluster.pk)).content.decode()
    assert "Campus Libre" in page
    confirm(moderator_client)
    assert set(Provider.objects.values_list("cluster", flat=True)) == {idf_cluster.pk}
    listing = moderator_client.get("/admin/providers/provider/?provenance=a-classer")
    assert "Campus Libre" in listing.content.decode()
    change = moderator_client.get(
        reverse(
            "admin:providers_provider_change", args=[Provider.objects.get(siren="900000035").pk]
        )
    ).content.decode()
    assert "Provenance des données importées" in change
    assert "https://annuaire.cnll.fr/societes/900000035" in change
    campus = Provider.objects.get(siren="900000035")
    history = moderator_client.get(
        reverse("admin:providers_provider_history", args=[campus.pk])
    ).content.decode()
    assert "Import CNLL, fichier du" in history
    queue = moderator_client.get(reverse("admin:providers_moderation")).content.decode()
    assert "Importée (CNLL, fichier du" in queue


def test_drafts_in_no_cluster_are_hidden_from_moderators(moderator_client, catalogue):
    call_command("import_source", "cnll", str(FILES / "cnll.json"), stdout=StringIO())
    listing = moderator_client.get("/admin/providers/provider/").content.decode()
    assert "Campus Libre" not in listing


def test_a_moderator_cannot_confirm_into_another_cluster(moderator_client, aura_cluster, catalogue):
    page = upload(moderator_client, "cnll", cluster=str(aura_cluster.pk))
    assert "Sélectionnez un choix valide" in page.content.decode()
    refused = moderator_client.post(IMPORT_URL, {"confirm": "1"}, follow=True)
    assert "n&#x27;est plus le dernier envoyé" in refused.content.decode()
    assert not Provider.objects.exists()


def test_confirming_an_older_dry_run_imports_nothing(admin_client, catalogue):
    upload(admin_client, "comptoir")
    first = admin_client.session["opendata_import_source"]["token"]
    upload(admin_client, "cnll")  # in another tab
    answer = admin_client.post(IMPORT_URL, {"confirm": "1", "token": first}, follow=True)
    assert "n&#x27;est plus le dernier envoyé" in answer.content.decode()
    assert not Provider.objects.exists()


def test_a_bad_file_is_a_clear_message_not_an_error(admin_client):
    response = admin_client.post(
        IMPORT_URL,
        {"source": "sill", "file": StringIO("pas du json"), "cluster": "a-classer"},
    )
    assert response.status_code == 200
    assert "pas du JSON lisible" in response.content.decode()


def test_a_draft_without_a_seat_cannot_be_published(admin_client, catalogue):
    call_command("import_source", "cnll", str(FILES / "cnll.json"), stdout=StringIO())
    draft = Provider.objects.get(name="Campus Libre")
    answer = admin_client.post(
        reverse("admin:providers_moderation_decide", args=["submission", draft.pk]),
        {"decision": "approve", "version": draft.version},
        follow=True,
    )
    assert "n&#x27;a pas de commune du siège" in answer.content.decode()
    admin_client.post(
        "/admin/providers/provider/",
        {"action": "publish", "_selected_action": [draft.pk]},
    )
    draft.refresh_from_db()
    assert draft.status == Status.PENDING


def publish_with_seat(provider):
    provider.seat = commune("69123")
    provider.status = Status.PUBLISHED
    provider.save()


def test_the_public_page_names_the_source_until_a_moderator_verifies(
    admin_client, client, catalogue, uncached_pages
):
    call_command("import_source", "sill", str(FILES / "sill.json"), "--date", "2026-11-30")
    nuage = Provider.objects.get(name="Nuage Coopératif")
    publish_with_seat(nuage)
    page = client.get(nuage.get_absolute_url()).content.decode()
    assert "Source" in page and "SILL" in page and "fichier du 30 novembre 2026" in page
    assert "pas encore vérifiées" in page

    admin_client.post(
        "/admin/providers/provider/",
        {"action": "verify_imported", "_selected_action": [nuage.pk]},
    )
    page = client.get(nuage.get_absolute_url()).content.decode()
    assert "pas encore vérifiées" not in page
    assert nuage.provenances.get().verified_at is not None  # still there, verified


def test_the_owner_confirming_the_listing_verifies_its_sources(client, catalogue):
    from providers.curation import links
    from providers.models import LinkPurpose

    call_command("import_source", "sill", str(FILES / "sill.json"), stdout=StringIO())
    nuage = Provider.objects.get(name="Nuage Coopératif")
    nuage.email = "contact@nuage-coop.example"
    publish_with_seat(nuage)
    link = links.issue(nuage, LinkPurpose.STILL_ACCURATE, nuage.email)
    client.post(urlsplit(link).path)
    assert not nuage.provenances.unverified().exists()
    assert Provenance.objects.unverified().get().provider.name == "Gestion Ouverte"


def test_our_sill_feed_reimported_changes_nothing(client, catalogue, tmp_path):
    """The round trip: a SILL-shaped file in, published, our feed out, our feed back in."""
    call_command("import_source", "sill", str(FILES / "sill.json"), stdout=StringIO())
    for provider in Provider.objects.all():
        publish_with_seat(provider)
    feed = client.get("/api/prestataires-sill.json")
    assert {entry["siren"] for item in feed.json() for entry in item["prestataires"]} == {
        "900000019",
        "900000027",
    }
    state = (list(Provider.objects.values()), list(Provenance.objects.values()))

    plans = plan_source(read_source(Source.CNLL, feed.content), file_date=datetime.date.today())
    assert {plan.decision for plan in plans} == {Decision.ENRICH}  # matched by SIREN
    assert all(not plan.updates and not plan.new_software for plan in plans)
    apply_source(plans, source=Source.CNLL, file_date=datetime.date.today())
    assert list(Provider.objects.values()) == state[0]

    again = plan_source(read_source(Source.CNLL, feed.content), file_date=datetime.date.today())
    assert {plan.decision for plan in again} == {Decision.UNCHANGED}


def test_a_company_removed_from_the_directory_is_not_imported_again(catalogue):
    ProviderFactory(name="Nuage Coopératif", siren="900000027", status=Status.ARCHIVED)
    plans = plan_source(read_source(Source.SILL, (FILES / "sill.json").read_bytes()))
    nuage = next(plan for plan in plans if plan.name == "Nuage Coopératif")
    assert nuage.decision == Decision.UNCHANGED
    assert "fiche archivée" in nuage.reason


def test_the_open_data_page_says_what_was_taken_from_where(client):
    page = client.get("/donnees-ouvertes/").content.decode()
    assert 'id="catalogues"' in page
    for text in ("SILL", "Comptoir du Libre", "CNLL", "Licence Ouverte 2.0", "retiré"):
        assert text in page
    assert "adresses e-mail que contiennent ces fichiers ne sont jamais importées" in page


def cnll_file(count):
    records = [
        {"nom": f"Société {index}", "siren": "", "url": f"https://cnll.example/{index}"}
        for index in range(count)
    ]
    return json.dumps([{"nom": "Dolibarr", "sill_id": 82, "prestataires": records}]).encode()


def queries_to_import(count):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    source_file = read_source(Source.CNLL, cnll_file(count))
    with CaptureQueriesContext(connection) as queries:
        plans = plan_source(source_file, file_date=datetime.date.today())
        apply_source(plans, source=Source.CNLL, file_date=datetime.date.today())
    Provider.objects.all().delete()
    return len(queries)


def test_each_record_costs_a_fixed_number_of_writes(catalogue):
    """No query grows with the file beyond the record's own writes (its listing and
    offering with their history, its provenance, its search fields): a fixed cost per
    record, measured on two sizes."""
    ten, twenty, thirty = queries_to_import(10), queries_to_import(20), queries_to_import(30)
    assert thirty - twenty == twenty - ten  # linear: nothing grows with what is stored
    assert (thirty - ten) / 20 <= 14


def test_nobody_can_be_asked_for_changes_on_an_imported_draft(admin_client, catalogue):
    call_command("import_source", "cnll", str(FILES / "cnll.json"), stdout=StringIO())
    draft = Provider.objects.get(name="Campus Libre")
    answer = admin_client.post(
        reverse("admin:providers_moderation_decide", args=["submission", draft.pk]),
        {"decision": "changes", "note": "Précisez vos services.", "version": draft.version},
        follow=True,
    )
    assert "n&#x27;a pas d&#x27;adresse e-mail (fiche importée)" in answer.content.decode()
    assert not draft.magic_links.exists()


def test_the_unverified_filter_lists_imported_listings_only(admin_client, catalogue):
    ProviderFactory(name="Saisie À La Main")
    call_command("import_source", "cnll", str(FILES / "cnll.json"), stdout=StringIO())
    page = admin_client.get("/admin/providers/provider/?provenance=non-verifiee")
    names = page.content.decode()
    assert "Campus Libre" in names and "Saisie À La Main" not in names


def test_a_superuser_files_an_unsorted_draft_by_setting_its_seat(
    admin_client, moderator_client, idf_cluster, catalogue
):
    call_command("import_source", "cnll", str(FILES / "cnll.json"), stdout=StringIO())
    draft = Provider.objects.get(name="Campus Libre")
    moodle = draft.offerings.get()
    answer = admin_client.post(
        reverse("admin:providers_provider_change", args=[draft.pk]),
        {
            "name": draft.name,
            "slug": draft.slug,
            "siren": draft.siren,
            "seat": commune("91228").pk,
            "cluster": "",
            "status": Status.PENDING,
            "serves_whole_country": "on",
            "accepts_new_clients": "on",
            "offerings-TOTAL_FORMS": "1",
            "offerings-INITIAL_FORMS": "1",
            "offerings-0-id": moodle.pk,
            "offerings-0-provider": draft.pk,
            "offerings-0-software": moodle.software_id,
            "offerings-0-service_kinds": [ServiceKind.objects.get(slug="installation").pk],
        },
    )
    assert answer.status_code == 302
    draft.refresh_from_db()
    assert (draft.seat.code, draft.cluster) == ("91228", idf_cluster)
    queue = moderator_client.get(reverse("admin:providers_moderation")).content.decode()
    assert "Campus Libre" in queue  # now the Île-de-France moderators' to review
