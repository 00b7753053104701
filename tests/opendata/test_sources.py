"""A moderator downloads the national catalogues' files and brings them to Annuaire: the
three shapes (SILL, CNLL, Comptoir du Libre) are read into one kind of record per
organisation, with every refusal explained (the first step of issue #13).

The fixture files in tests/opendata/sources/ have the real shapes, with duplicates within
and across files, an individual, an unknown program and malformed records."""

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from opendata.sources import (
    SoftwareRef,
    Source,
    SourceFile,
    SourceFileError,
    looks_like_a_person,
    read_source,
)

FILES = Path(__file__).parent / "sources"


def read(source):
    return read_source(source, (FILES / f"{source}.json").read_bytes())


def by_name(records):
    return {record.name: record for record in records}


def test_the_sill_gives_one_record_per_company_with_every_program_it_is_listed_under():
    sill = read(Source.SILL)
    records = by_name(sill.records)
    assert set(records) == {"Gestion Ouverte", "Nuage Coopératif"}
    gestion = records["Gestion Ouverte"]
    assert gestion.siren == "900000019"  # « 900 000 019 » as typed in the file
    assert gestion.website == "https://gestion-ouverte.example"
    assert gestion.url == "https://comptoir-du-libre.org/fr/users/501"
    assert gestion.software == [
        SoftwareRef("Dolibarr", sill_id=82),
        SoftwareRef("Nextcloud", sill_id=117),
    ]
    nuage = records["Nuage Coopératif"]
    assert nuage.website == "https://nuage-coop.example"  # the scheme was missing
    assert SoftwareRef("Logiciel Inconnu", sill_id=99999) in nuage.software
    reasons = {(refusal.name, refusal.reason.split(" :")[0]) for refusal in sill.refusals}
    assert ("Mauvais Numéro", "SIREN « 123456789 »") in reasons
    assert any(refusal.where == "logiciel n° 4" for refusal in sill.refusals)


def test_the_cnll_directory_is_read_in_the_shape_annuaire_publishes():
    cnll = read(Source.CNLL)
    records = by_name(cnll.records)
    assert set(records) == {"Gestion Ouverte", "Campus Libre"}
    assert records["Campus Libre"].software == [SoftwareRef("Moodle", sill_id=1)]
    assert [(refusal.where, refusal.reason) for refusal in cnll.refusals] == [
        ("logiciel n° 1, prestataire n° 2", "pas de nom")
    ]


def test_the_comptoir_flags_people_and_never_reads_an_email():
    comptoir = read(Source.COMPTOIR)
    records = by_name(comptoir.records)
    gestion = records["Gestion Ouverte SARL"]
    assert gestion.key == "501"
    assert [ref.comptoir_id for ref in gestion.software] == [1, 2]
    assert gestion.person is False
    camille = records["Camille Durand"]
    assert camille.person and camille.person_reason == "personne physique selon la source"
    jeanne = records["Jeanne Martin"]  # declared a company, named like a person
    assert jeanne.person and jeanne.person_reason == "nom d'une personne ?"
    assert all(
        "@" not in value
        for record in comptoir.records
        for value in vars(record).values()
        if isinstance(value, str)
    )
    assert [(refusal.name, refusal.reason) for refusal in comptoir.refusals] == [
        ("Site Cassé", "site web illisible")
    ]


@pytest.mark.parametrize(
    ("name", "person"),
    [
        ("Jeanne Martin", True),
        ("Jean-Pierre Dupont", True),
        ("Atelier Dupont", False),
        ("Martin Informatique", False),
        ("ACME", False),
        ("Libre & Co", False),
    ],
)
def test_what_looks_like_a_person(name, person):
    assert looks_like_a_person(name) is person


@pytest.mark.parametrize(
    ("source", "content", "message"),
    [
        (Source.SILL, b"<html>", "pas du JSON"),
        (Source.SILL, b'{"softwares": []}', "liste de logiciels"),
        (Source.COMPTOIR, b"[]", "« softwares »"),
        (Source.CNLL, b'[{"nom": "X", "prestataires": {"a": 1}}]', "devrait être une liste"),
        ("inconnue", b"[]", "Source inconnue"),
        (Source.SILL, b"\xff\xfe\x00", "pas du JSON"),
    ],
)
def test_a_file_in_no_known_shape_is_refused_whole_with_the_reason(source, content, message):
    with pytest.raises(SourceFileError, match=message):
        read_source(source, content)


def test_a_huge_file_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr("opendata.sources.MAX_BYTES", 1000)
    with pytest.raises(SourceFileError, match="trop gros"):
        read_source(Source.SILL, b"[" + b" " * 2000 + b"]")


def test_strange_values_are_refusals_not_errors():
    data = [
        {
            "id": "12",
            "name": ["pas", "un", "nom"],
            "serviceProviders": [
                {"name": 42, "siren": None},
                {"name": "Société\x00 Nulle", "website": 17},
                {"name": "Bonne Société SAS", "siren": 900000043, "website": None},
            ],
        }
    ]
    result = read_source(Source.SILL, json.dumps(data).encode())
    assert [record.name for record in result.records] == ["Bonne Société SAS"]
    assert result.records[0].siren == "900000043"
    assert result.records[0].software == [SoftwareRef("", sill_id=12)]
    assert {refusal.reason for refusal in result.refusals} == {
        "pas de nom",
        "site web illisible",
    }


@pytest.mark.parametrize(
    "website",
    [
        "contact@gestion.example",  # an e-mail address is never kept, even as a website
        "mailto:contact@gestion.example",
        "https://jeanne:secret@gestion.example",
        "https://[abc",  # urlsplit raises on it
        "https://gestion.example/" + "x" * 200,  # longer than a listing's website
    ],
)
def test_a_website_that_is_not_one_is_refused(website):
    data = [{"id": 1, "name": "X", "serviceProviders": [{"name": "Gestion", "website": website}]}]
    result = read_source(Source.SILL, json.dumps(data).encode())
    assert result.records == []
    assert [refusal.reason for refusal in result.refusals] == ["site web illisible"]


def test_identifiers_that_python_would_choke_on_are_ignored():
    data = {
        "softwares": [
            {"id": "²", "name": "Exposant", "providers": [{"id": "9" * 5000, "name": "Longue"}]}
        ]
    }
    result = read_source(Source.COMPTOIR, json.dumps(data).encode())
    assert result.records[0].software == [SoftwareRef("Exposant")]
    assert result.records[0].key == "longue"  # no usable id: its name is its identity


def test_a_deeply_nested_file_is_a_clear_error():
    with pytest.raises(SourceFileError, match="trop imbriqué"):
        read_source(Source.SILL, b"[" * 100_000 + b"]" * 100_000)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "nom",
                    "siren",
                    "website",
                    "url",
                    "type",
                    "softwares",
                    "providers",
                    "prestataires",
                    "serviceProviders",
                    "annuaireCnllServiceProviders",
                    "sill_id",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None)
@given(source=st.sampled_from(list(Source)), data=JSON)
def test_any_json_is_read_or_refused_with_a_reason_never_an_error(source, data):
    try:
        result = read_source(source, json.dumps(data).encode())
    except SourceFileError as error:
        assert str(error)
    else:
        assert all(record.name for record in result.records)
        assert all(refusal.reason for refusal in result.refusals)


def test_a_read_file_survives_the_trip_through_a_session():
    for source in Source.values:
        source_file = read_source(source, (FILES / f"{source}.json").read_bytes())
        kept = json.loads(json.dumps(source_file.to_data()))
        assert SourceFile.from_data(kept) == source_file
