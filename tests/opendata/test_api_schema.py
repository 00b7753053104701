"""The API returns what its OpenAPI document says (schemathesis, in-process).

schemathesis generates requests from /api/v1/openapi.json (the same document as
opendata.openapi.document) and sends them to the Django WSGI application, without a
server, against the test database holding the demo set. Each answer must be a
documented status code with the documented content type and JSON schema, never a 5xx.

Database: the requests run in the test's own thread and connection, inside the
transaction that pytest-django's `db` fixture rolls back. Django closes "old"
connections at the start and end of every WSGI request (`close_old_connections`), which
inside that transaction would close it under the test; Django's own test client
disconnects that handler for the same reason, and so does the `wsgi_in_test_transaction`
fixture below. The demo set comes from the module-scoped `demo_data` fixture (committed
once, removed after the module). Works the same on SQLite and PostgreSQL.
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from annuaire.wsgi import application
from offerings.models import Software
from opendata.openapi import document
from providers.models import Provider
from territories.models import Territory

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
BOUNDED = hypothesis_settings(
    max_examples=20,
    deadline=None,
    database=None,  # no example database written into the repository
    suppress_health_check=list(HealthCheck),
)


# The served document is the same as opendata.openapi.document() (checked below); loading
# it from the function avoids a request at collection time, before the test database.
def load_schema(mode):
    # A fixed seed: the same requests on every run and database, so a failure reproduces.
    config = schemathesis.Config.from_dict({"seed": 2026, "generation": {"mode": mode}})
    loaded = schemathesis.openapi.from_dict(document("http://localhost/"), config=config)
    loaded.app = application
    return loaded


schema = load_schema("positive")
negative_schema = load_schema("negative")
# Operations without parameters have no invalid request to generate; the {slug} ones fail.
invalid_parameters = negative_schema.include(operation_id=["providers", "territories", "territory"])
invalid_slugs = negative_schema.include(path_regex=r"\{slug\}")


@pytest.fixture
def wsgi_in_test_transaction(db, demo_data, settings):
    """Let raw WSGI requests run inside the test transaction, with the demo data, and
    without the per-address rate limit that generated requests would exhaust."""
    settings.API_REQUESTS_PER_MINUTE = 1_000_000
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


# Generated requests ---------------------------------------------------------------------------


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_valid_requests_as_documented(case, wsgi_in_test_transaction):
    case.call_and_validate(checks=CHECKS)


@invalid_parameters.parametrize()
@BOUNDED
def test_invalid_requests_get_a_documented_json_error(case, wsgi_in_test_transaction):
    case.call_and_validate(checks=CHECKS)


@invalid_slugs.parametrize()
@BOUNDED
def test_invalid_slugs_get_a_documented_json_error(case, wsgi_in_test_transaction):
    case.call_and_validate(checks=CHECKS)


# Real objects, every one of them -----------------------------------------------------------------


def validate(path, path_parameters=None, query=None, status=200):
    operation = schema[path]["GET"]
    case = operation.Case(path_parameters=path_parameters or {}, query=query or {})
    response = case.call()
    assert response.status_code == status, (path, path_parameters, query, response.text[:300])
    case.validate_response(response, checks=CHECKS)
    return response


def test_every_published_provider_matches_the_schema(wsgi_in_test_transaction):
    slugs = list(Provider.objects.published().values_list("slug", flat=True))
    assert len(slugs) == 65
    for slug in slugs:
        validate("/api/v1/prestataires/{slug}/", {"slug": slug})
    for page in (1, 2, 3, 4):
        validate("/api/v1/prestataires/", query={"page": page, "tri": "nom"})
    validate("/api/v1/prestataires/", query={"par_page": "100"})


def test_every_software_matches_the_schema(wsgi_in_test_transaction):
    for slug in Software.objects.values_list("slug", flat=True):
        validate("/api/v1/logiciels/{slug}/", {"slug": slug})
    validate("/api/v1/logiciels/")


@pytest.mark.parametrize(
    ("niveau", "code"),
    [
        ("region", "11"),
        ("region", "94"),  # Corse
        ("region", "04"),  # La Réunion
        ("departement", "91"),
        ("departement", "2A"),
        ("departement", "974"),
        ("epci", "200059228"),
        ("commune", "91228"),
        ("commune", "2A004"),
        ("commune", "97411"),
        ("commune", "75056"),
    ],
)
def test_territories_of_every_level_match_the_schema(wsgi_in_test_transaction, niveau, code):
    assert Territory.objects.current().filter(level=niveau, code=code).exists()
    validate("/api/v1/territoires/{niveau}/{code}/", {"niveau": niveau, "code": code})


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "saint"},
        {"q": "91000"},
        {"q": "grand paris", "niveau": "epci"},
        {"niveau": "departement", "page": 3},
    ],
)
def test_territory_searches_match_the_schema(wsgi_in_test_transaction, query):
    validate("/api/v1/territoires/", query=query)


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"q": "dolibarr", "ou": "Évry"}, 200),
        ({"ou": "Saint-Denis"}, 400),
        ({"logiciel": ["inconnu"]}, 400),
        ({"page": 999}, 404),
    ],
)
def test_provider_searches_and_errors_match_the_schema(wsgi_in_test_transaction, query, status):
    validate("/api/v1/prestataires/", query=query, status=status)


def test_the_index_services_and_sill_feed_match_the_schema(wsgi_in_test_transaction):
    validate("/api/v1/")
    validate("/api/v1/services/")
    assert json.loads(validate("/api/prestataires-sill.json").text)


# The document itself ------------------------------------------------------------------------------


def test_openapi_document_is_served_as_json(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    served = response.json()
    assert served["openapi"] == "3.0.3"
    assert served["servers"] == [{"url": "http://testserver"}]
    assert served == document("http://testserver")
    assert served["info"]["license"]["name"] == "Licence Ouverte 2.0"


def test_server_url_and_paths_join_into_working_urls(client, demo_data):
    served = client.get("/api/v1/openapi.json").json()
    base = served["servers"][0]["url"]
    for path in served["paths"]:
        if "{" not in path:
            url = base + path  # OpenAPI 3.0.3: "the path is appended to the server URL"
            assert client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_every_documented_path_answers(client, demo_data):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert len(paths) == 10
    examples = {"{slug}": "essonne-gestion-libre", "{niveau}": "commune", "{code}": "91228"}
    for template in paths:
        url = template
        if "/logiciels/" in template:
            url = url.replace("{slug}", "dolibarr")
        for placeholder, value in examples.items():
            url = url.replace(placeholder, value)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response["Content-Type"] == "application/json"
        assert set(paths[template]) == {"get"}
