"""The reference catalogue: loaded idempotently, never overwriting a moderator's edit,
refused whole when a fact is wrong."""

import io

import pytest
from django.core.management import CommandError, call_command

from offerings.catalogue import CATALOGUE_FILE, CatalogueError, load_catalogue, read_catalogue
from offerings.models import Need, ReplacedProduct, Software

pytestmark = pytest.mark.django_db

SMALL = """
[[need]]
slug = "facturer"
name = "Facturer"
aliases = ["facturation", "factures"]
home = true

[[need]]
slug = "devis"
name = "Faire des devis"

[[product]]
slug = "microsoft-excel"
name = "Microsoft Excel"
aliases = ["Excel"]
home = true

[[software]]
name = "Dolibarr"
category = "erp-crm"
description = "Gestion d'entreprise : devis, factures, stocks."
website = "https://www.dolibarr.org"
licence = "GPL-3.0-or-later"
needs = ["facturer", "devis"]
replaces = ["microsoft-excel"]
sources = ["https://www.dolibarr.org"]
"""


def write(tmp_path, text=SMALL):
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_loading_twice_creates_once_and_changes_nothing(tmp_path):
    path = write(tmp_path)
    first = load_catalogue(path)
    assert (first.created, first.updated) == (1, 0)
    dolibarr = Software.objects.get(name="Dolibarr")
    assert sorted(dolibarr.needs.values_list("slug", flat=True)) == ["devis", "facturer"]
    assert list(dolibarr.replaces.values_list("name", flat=True)) == ["Microsoft Excel"]
    assert Need.objects.get(slug="facturer").alias_list == ["facturation", "factures"]
    second = load_catalogue(path)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 1)


def test_a_moderators_edit_survives_the_next_load_and_the_rest_follows_the_catalogue(tmp_path):
    load_catalogue(write(tmp_path))
    dolibarr = Software.objects.get(name="Dolibarr")
    dolibarr.description = "Notre description, relue par la grappe."
    dolibarr.save()
    dolibarr.needs.remove(Need.objects.get(slug="devis"))
    newer = SMALL.replace("devis, factures, stocks", "devis, factures, stocks, caisse").replace(
        'website = "https://www.dolibarr.org"', 'website = "https://dolibarr.org"'
    )
    report = load_catalogue(write(tmp_path, newer))
    dolibarr.refresh_from_db()
    assert dolibarr.description == "Notre description, relue par la grappe."
    assert list(dolibarr.needs.values_list("slug", flat=True)) == ["facturer"]
    assert dolibarr.website == "https://dolibarr.org"  # nobody touched it: updated
    assert "Dolibarr : description" in report.kept


def test_existing_software_is_completed_not_overwritten(tmp_path):
    Software.objects.create(
        name="Dolibarr", category="erp-crm", description="Saisie à la main.", licence="GPL-3.0-only"
    )
    load_catalogue(write(tmp_path))
    dolibarr = Software.objects.get(name="Dolibarr")
    assert dolibarr.description == "Saisie à la main."
    assert dolibarr.website == "https://www.dolibarr.org"  # was empty: filled
    assert dolibarr.needs.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('needs = ["facturer", "devis"]', 'needs = ["inconnu"]'), "besoin inconnu inconnu"),
        (('category = "erp-crm"', 'category = "jeux"'), "catégorie inconnue"),
        (('licence = "GPL-3.0-or-later"', 'licence = "GPL-9"'), "licence"),
        (('sources = ["https://www.dolibarr.org"]', ""), "sources manquantes"),
        (('name = "Facturer"', 'name = "Facturer"\n[[need]]\nslug = "facturer"'), "double"),
        (("[[software]]", "[[software"), "illisible"),
    ],
)
def test_a_wrong_catalogue_is_refused_whole_with_the_reason(tmp_path, change, message):
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(write(tmp_path, SMALL.replace(*change)))
    assert not Software.objects.exists() and not Need.objects.exists()


def test_the_command_reports_what_it_did(tmp_path):
    out = io.StringIO()
    call_command("load_catalogue", file=str(write(tmp_path)), stdout=out)
    assert "1 logiciels créés" in out.getvalue()
    with pytest.raises(CommandError, match="catégorie inconnue"):
        call_command(
            "load_catalogue",
            file=str(write(tmp_path, SMALL.replace("erp-crm", "jeux"))),
            stdout=io.StringIO(),
        )


def test_the_shipped_catalogue_is_real_and_complete():
    """At least 60 programs, each with needs and sources; every need and product is used."""
    catalogue = read_catalogue(CATALOGUE_FILE)
    assert len(catalogue["software"]) >= 60
    used_needs = {slug for entry in catalogue["software"] for slug in entry["needs"]}
    used_products = {slug for entry in catalogue["software"] for slug in entry.get("replaces", [])}
    assert {entry["slug"] for entry in catalogue["need"]} == used_needs
    assert {entry["slug"] for entry in catalogue["product"]} == used_products
    names = {entry["name"] for entry in catalogue["software"]}
    for required in ("Dolibarr", "Nextcloud", "Jitsi Meet", "PrestaShop", "QGIS", "Publik", "Koha"):
        assert required in names
    report = load_catalogue()
    assert report.created == len(catalogue["software"])
    assert ReplacedProduct.objects.get(name="Zoom").alternatives.filter(name="Jitsi Meet").exists()


def test_an_id_already_taken_is_not_written_and_tried_again_next_time(tmp_path):
    holder = Software.objects.create(
        name="Autre", category="autre", description="x", licence="MIT", sill_id=123
    )
    with_id = SMALL.replace('sources = ["https', 'sill_id = 123\nsources = ["https')
    report = load_catalogue(write(tmp_path, with_id))
    assert report.conflicts == ["Dolibarr : sill_id 123 déjà attribué"]
    assert Software.objects.get(name="Dolibarr").sill_id is None
    holder.sill_id = None  # the mistake is corrected
    holder.save()
    load_catalogue(write(tmp_path, with_id))
    assert Software.objects.get(name="Dolibarr").sill_id == 123


def test_aliases_saved_from_the_admin_are_not_taken_for_an_edit(tmp_path, admin_client):
    load_catalogue(write(tmp_path))
    need = Need.objects.get(slug="facturer")
    response = admin_client.post(
        f"/admin/offerings/need/{need.pk}/change/",
        {
            "name": "Facturer",
            "slug": "facturer",
            "aliases": "facturation\r\nfactures\r\n",
            "on_home": "on",
        },
    )
    assert response.status_code == 302
    newer = SMALL.replace('aliases = ["facturation", "factures"]', 'aliases = ["facturation"]')
    report = load_catalogue(write(tmp_path, newer))
    assert report.kept == []
    assert Need.objects.get(slug="facturer").alias_list == ["facturation"]
