"""Properties that hold whatever a visitor sends (Hypothesis generates the input):
the public pages, the API and the public forms never answer 5xx, never echo markup
unescaped, and a GET never writes to the database.

Each value carries PROBE, a harmless tag: an HTML page that contains it verbatim would
have echoed input unescaped. The examples are few and the deadlines off, to keep the
run under a minute; a failure prints the request that broke, to turn into a test."""

from urllib.parse import quote, urlencode

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from providers.models import Provider, Status
from tests.curation_helpers import started, submission_data

pytestmark = pytest.mark.django_db

PROBE = '<x-probe data-x="1">'
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values a person or a script might send: known good ones, numbers in every shape, and
# arbitrary text (any Unicode, control characters, long).
KNOWN_VALUES = [
    "dolibarr",
    "nextcloud lyon",
    "remplacer excel",
    "facturation",
    "installation",
    "75056",
    "91000",
    "Lyon",
    "ile-de-france",
    "11",
    "01",
    "pertinence",
    "distance",
    "1",
    "0",
    "-1",
    "1e309",
    "99999999999999999999",
    "true",
    "on",
    "",
]
values = st.one_of(
    st.sampled_from(KNOWN_VALUES),
    st.text(max_size=40),
    st.text(min_size=200, max_size=3000),
).map(lambda value: value + PROBE)

SEARCH_KEYS = [
    "q",
    "ou",
    "local",
    "logiciel",
    "categorie",
    "service",
    "region",
    "effectif",
    "label",
    "disponible",
    "tri",
    "litteral",
    "page",
    "par_page",
]
API_KEYS = [*SEARCH_KEYS, "format", "niveau", "code", "limit", "offset", "p"]
keys = st.one_of(st.sampled_from(API_KEYS), st.text(max_size=12))
queries = st.dictionaries(keys, st.lists(values, min_size=1, max_size=3), max_size=6)


@pytest.fixture
def published(demo_data):
    return Provider.objects.filter(status=Status.PUBLISHED).order_by("pk").first()


def writes_during(callable_):
    """The INSERT, UPDATE and DELETE statements run while `callable_` runs."""
    with CaptureQueriesContext(connection) as queries:
        response = callable_()
    changes = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}
    ]
    return response, changes


def assert_safe(response, path):
    event(f"{path.split('?')[0][:30]} {response.status_code}")
    assert response.status_code < 500, f"{response.status_code} on {path}"
    content_type = response.get("Content-Type", "")
    if content_type.startswith("text/html"):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert PROBE.encode() not in body, f"unescaped echo on {path}"


def public_paths(provider):
    return [
        "/",
        "/prestataires/",
        f"/prestataires/{provider.slug}/",
        f"/prestataires/{provider.slug}/mise-a-jour/",
        f"/prestataires/{provider.slug}/signaler/",
        "/referencer/",
        "/logiciels/",
        "/territoires/",
        "/territoires/ile-de-france/",
        "/lieux/suggestions",
        "/donnees-ouvertes/",
        "/api/v1/",
        "/api/v1/prestataires/",
        "/api/v1/logiciels/",
        "/api/v1/services/",
        "/api/v1/territoires/",
        "/api/v1/prestataires-sill.json",
        "/flux/prestataires.atom",
        "/sitemap.xml",
    ]


@EXAMPLES
@given(data=st.data(), query=queries)
def test_public_pages_and_the_api_take_any_query_string(client, published, data, query):
    path = data.draw(st.sampled_from(public_paths(published)), label="path")
    url = f"{path}?{urlencode(query, doseq=True)}"
    caches["default"].clear()  # limits per address would answer 429 before the view runs
    response, changes = writes_during(lambda: client.get(url))
    assert_safe(response, url)
    assert not changes, f"GET {url} wrote: {changes}"


@EXAMPLES
@given(
    prefix=st.sampled_from(
        [
            "/prestataires/",
            "/logiciels/",
            "/territoires/",
            "/territoires/ile-de-france/",
            "/territoires/intercommunalite/",
            "/api/v1/prestataires/",
            "/api/v1/logiciels/",
            "/api/v1/territoires/commune/",
            "/flux/logiciels/",
            "/mon-entreprise/",
            "/fiche-a-jour/",
            "/referencer/confirmer/",
        ]
    ),
    segment=st.text(min_size=1, max_size=300),
)
def test_any_address_under_a_public_prefix_answers_without_error(client, prefix, segment):
    url = prefix + quote(segment + PROBE, safe="") + "/"
    caches["default"].clear()
    response, changes = writes_during(lambda: client.get(url))
    assert_safe(response, url)
    assert not changes, f"GET {url} wrote: {changes}"


text_fields = st.one_of(st.text(max_size=80), st.text(min_size=500, max_size=5000)).map(
    lambda value: value + PROBE
)
SUBMISSION_FIELDS = [
    "name",
    "siren",
    "website",
    "email",
    "phone",
    "address",
    "postal_code",
    "seat_text",
    "description",
    "areas_text",
    "workforce",
    "year_founded",
    "offres-TOTAL_FORMS",
    "offres-0-software",
    "offres-0-service_kinds",
    "offres-0-description",
    "offres-1-software",
    "started",
    "ajouter_ligne",
]


@EXAMPLES
@given(overrides=st.dictionaries(st.sampled_from(SUBMISSION_FIELDS), text_fields, max_size=5))
def test_the_listing_form_takes_any_field_value(client, overrides):
    caches["default"].clear()
    data = submission_data(**{"started": started(), **overrides})
    response = client.post("/referencer/", data)
    assert_safe(response, f"POST /referencer/ {sorted(overrides)}")


@EXAMPLES
@given(
    message=text_fields,
    email=st.one_of(st.emails(), text_fields),
    extra=st.dictionaries(st.text(max_size=10), text_fields, max_size=3),
)
def test_the_report_form_takes_any_field_value(client, published, message, email, extra):
    caches["default"].clear()
    path = f"/prestataires/{published.slug}/signaler/"
    response = client.post(
        path, {**extra, "message": message, "email": email, "started": started(), "nickname": ""}
    )
    assert_safe(response, f"POST {path}")
