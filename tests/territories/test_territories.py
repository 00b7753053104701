"""The real French territories: facts, ancestry, lookup, and the import's guarantees."""

import io
import json
import tarfile

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from territories import importer
from territories.models import AliasKind, Level, PostalCode, Territory, TerritoryAlias

pytestmark = pytest.mark.django_db

ARCHIVE = settings.TERRITORIES_ARCHIVE


def test_the_import_loads_every_current_territory_of_the_2026_data():
    current = Territory.objects.current()
    assert current.filter(level=Level.REGION).count() == 18
    assert current.filter(level=Level.DEPARTEMENT).count() == 101
    assert current.filter(level=Level.EPCI).count() == 1255
    # 34,969 current communes minus the 94 of the overseas collectivités (see importer).
    assert current.filter(level=Level.COMMUNE).count() == 34875
    assert not Territory.objects.filter(is_current=False).exists()


def test_evry_courcouronnes_is_in_its_agglomeration_in_essonne_in_ile_de_france(territory):
    evry = territory(Level.COMMUNE, "91228")
    assert evry.name == "Évry-Courcouronnes"
    assert evry.siren == "200083525"
    assert evry.population > 60000
    assert evry.epci.name == "CA Grand Paris Sud Seine Essonne Sénart"
    assert evry.epci.code == "200059228"
    assert evry.departement.name == "Essonne"
    assert evry.region.name == "Île-de-France"
    assert [(t.level, t.name) for t in evry.ancestors()] == [
        (Level.EPCI, "CA Grand Paris Sud Seine Essonne Sénart"),
        (Level.DEPARTEMENT, "Essonne"),
        (Level.REGION, "Île-de-France"),
    ]


def test_ancestors_of_each_level(territory):
    assert [t.name for t in territory(Level.DEPARTEMENT, "91").ancestors()] == ["Île-de-France"]
    assert territory(Level.REGION, "11").ancestors() == []
    # An agglomeration straddling two départements lists both, then their région.
    grand_paris_sud = territory(Level.EPCI, "200059228")
    assert [t.name for t in grand_paris_sud.ancestors()] == [
        "Seine-et-Marne",
        "Essonne",
        "Île-de-France",
    ]


def test_an_epci_across_two_regions_has_both_regions_as_ancestors(territory):
    dreux = Territory.objects.epcis().get(name="CA Agglo du Pays de Dreux")
    names = [t.name for t in dreux.ancestors()]
    assert names == ["Eure", "Eure-et-Loir", "Centre-Val de Loire", "Normandie"]


def test_a_commune_outside_any_epci_still_has_departement_and_region(territory):
    ouessant = territory(Level.COMMUNE, "29155")
    assert ouessant.epci is None
    assert [t.name for t in ouessant.ancestors()] == ["Finistère", "Bretagne"]


def test_overseas_regions_are_included_but_not_overseas_collectivities():
    assert Territory.objects.regions().filter(name="La Réunion").exists()
    assert Territory.objects.departements().filter(code="976", name="Mayotte").exists()
    assert not Territory.objects.filter(name="Polynésie française").exists()
    assert not Territory.objects.filter(code="97502").exists()  # Saint-Pierre


def test_postal_code_finds_the_communes_it_serves():
    assert list(Territory.objects.search("91000").values_list("name", flat=True)) == [
        "Évry-Courcouronnes"
    ]
    assert set(PostalCode.objects.filter(code="75116").values_list("commune__name", flat=True)) == {
        "Paris"
    }


def test_former_insee_code_finds_todays_commune():
    # 91182 was Courcouronnes before its merger into Évry-Courcouronnes.
    alias = TerritoryAlias.objects.get(code="91182")
    assert alias.territory.name == "Évry-Courcouronnes"
    assert [t.name for t in Territory.objects.search("91182")] == ["Évry-Courcouronnes"]


def test_paris_lyon_marseille_arrondissements_point_to_their_commune():
    alias = TerritoryAlias.objects.get(code="75101")
    assert alias.kind == AliasKind.ARRONDISSEMENT
    assert alias.name == "Paris 1er Arrondissement"
    assert alias.territory.code == "75056"
    assert TerritoryAlias.objects.get(code="69381").territory.name == "Lyon"
    assert TerritoryAlias.objects.get(code="13201").territory.name == "Marseille"
    assert not Territory.objects.communes().filter(code="75101").exists()


def test_name_search_ignores_case_accents_and_hyphens():
    assert Territory.objects.search("evry courc").first().code == "91228"
    assert Territory.objects.search("ÉVRY-COURCOURONNES").first().code == "91228"
    # Larger levels first: the région before communes named after it.
    assert Territory.objects.search("ile de france").first().level == Level.REGION
    assert Territory.objects.search("essonne").first().level == Level.DEPARTEMENT
    assert not Territory.objects.search("   ").exists()


def test_slugs_are_readable_and_unique():
    assert Territory.objects.regions().get(code="11").slug == "ile-de-france"
    assert Territory.objects.departements().get(code="2A").slug == "corse-du-sud"
    assert Territory.objects.communes().get(code="91228").slug == "evry-courcouronnes-91228"
    assert Territory.objects.communes().get(code="01001").slug == "l-abergement-clemenciat-01001"


def test_second_import_changes_nothing():
    before = Territory.objects.count(), PostalCode.objects.count(), TerritoryAlias.objects.count()
    out = io.StringIO()
    call_command("import_territories", stdout=out)
    assert "Aucun changement" in out.getvalue()
    assert "Communes : 34875 (créés 0, modifiés 0, retirés 0)" in out.getvalue()
    assert (
        Territory.objects.count(),
        PostalCode.objects.count(),
        TerritoryAlias.objects.count(),
    ) == before


def _archive_with(tmp_path, mutate):
    """A copy of the vendored archive whose JSON members pass through `mutate(name, data)`."""
    target = tmp_path / "archive.tgz"
    with tarfile.open(ARCHIVE, "r:gz") as source, tarfile.open(target, "w:gz") as copy:
        for member in source.getmembers():
            content = source.extractfile(member).read() if member.isfile() else None
            if content is not None and member.name.startswith("package/data/"):
                name = member.name.rsplit("/", 1)[1].removesuffix(".json")
                content = mutate(name, content)
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content) if content is not None else None)
    return target


def _snapshot():
    return list(Territory.objects.order_by("pk").values_list("pk", "name", "is_current", "epci_id"))


def test_a_truncated_archive_is_refused_and_nothing_changes(tmp_path):
    broken = tmp_path / "broken.tgz"
    broken.write_bytes(ARCHIVE.read_bytes()[:200_000])
    before = _snapshot()
    with pytest.raises(CommandError, match="aucune donnée modifiée"):
        call_command("import_territories", archive=str(broken))
    assert _snapshot() == before


def test_invalid_json_is_refused_and_nothing_changes(tmp_path):
    def corrupt(name, content):
        return content[: len(content) // 2] if name == "communes" else content

    before = _snapshot()
    with pytest.raises(CommandError, match=r"communes\.json est illisible"):
        call_command("import_territories", archive=str(_archive_with(tmp_path, corrupt)))
    assert _snapshot() == before


def test_inconsistent_data_is_refused_with_a_precise_message(tmp_path):
    def orphan_commune(name, content):
        if name != "communes":
            return content
        communes = json.loads(content)
        communes[0]["departement"] = "00"
        return json.dumps(communes).encode()

    with pytest.raises(CommandError, match="département 00 inconnu"):
        call_command("import_territories", archive=str(_archive_with(tmp_path, orphan_commune)))


def test_a_failure_while_writing_rolls_everything_back(tmp_path, monkeypatch):
    def rename_region(name, content):
        if name != "regions":
            return content
        regions = json.loads(content)
        for region in regions:
            if region["code"] == "11":
                region["nom"] = "Région renommée"
        return json.dumps(regions).encode()

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_sync_aliases", fail)
    with pytest.raises(RuntimeError):
        call_command("import_territories", archive=str(_archive_with(tmp_path, rename_region)))
    assert Territory.objects.regions().get(code="11").name == "Île-de-France"


def test_a_territory_that_disappears_is_retired_not_deleted(tmp_path, territory):
    def drop_commune(name, content):
        if name == "communes":
            return json.dumps([c for c in json.loads(content) if c["code"] != "01001"]).encode()
        if name == "epci":
            epcis = json.loads(content)
            for epci in epcis:
                epci["membres"] = [m for m in epci["membres"] if m["code"] != "01001"]
            return json.dumps(epcis).encode()
        return content

    out = io.StringIO()
    call_command(
        "import_territories", archive=str(_archive_with(tmp_path, drop_commune)), stdout=out
    )
    assert "retirés 1" in out.getvalue()
    gone = Territory.objects.get(level=Level.COMMUNE, code="01001")
    assert gone.is_current is False
    assert not Territory.objects.communes().filter(code="01001").exists()
    # The next vintage brings it back as current.
    call_command("import_territories", stdout=io.StringIO())
    assert territory(Level.COMMUNE, "01001").is_current is True


def test_labels_are_unique_and_readable():
    from collections import Counter

    labels = Counter(Territory.objects.current().values_list("label", flat=True))
    assert labels.most_common(1)[0][1] == 1
    assert str(Territory.objects.communes().get(code="91228")) == "Évry-Courcouronnes (91)"
    assert str(Territory.objects.departements().get(code="75")) == "Paris (75)"
    assert str(Territory.objects.communes().get(code="75056")) == "Paris (75056)"


def test_a_new_territory_may_take_the_name_of_a_renamed_one(tmp_path):
    def rename_and_add(name, content):
        if name != "epci":
            return content
        epcis = json.loads(content)
        first = epcis[0]
        old_name = first["nom"]
        first["nom"] = old_name + " Nord"
        moved = first["membres"].pop()
        epcis.append({**first, "code": "200999999", "nom": old_name, "membres": [moved]})
        return json.dumps(epcis).encode()

    old = Territory.objects.epcis().get(code=json.loads(_member("epci"))[0]["code"])
    old_slug = old.slug
    call_command(
        "import_territories",
        archive=str(_archive_with(tmp_path, rename_and_add)),
        stdout=io.StringIO(),
    )
    new = Territory.objects.epcis().get(code="200999999")
    assert new.slug == old_slug
    assert Territory.objects.epcis().get(code=old.code).slug != old_slug


def _member(name):
    with tarfile.open(ARCHIVE, "r:gz") as archive:
        return archive.extractfile(f"package/data/{name}.json").read()
