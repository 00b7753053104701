"""Shared fixtures: the real territories (loaded once), the demo data, and the people
of most stories: a superuser, the Île-de-France cluster and its moderator."""

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_databases, teardown_databases

from tests.factories import ClusterFactory, ModeratorFactory, SuperuserFactory, region

# The database the settings name, before any test database replaces it.
CONFIGURED_DATABASE = settings.DATABASES["default"]["NAME"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the real French territories once into the test database.

    They are reference data, like a fixture: every test sees all 34,875 communes;
    what a test writes is rolled back after it.

    pytest-django creates the test database only when a selected test is marked
    `django_db` or asks for `db`; the browser tests do neither (their server must see
    committed data), so run alone they would have loaded and then removed the demo data
    in the developer's own database. Here the test database is then created all the same.
    """
    created = None
    with django_db_blocker.unblock():
        if connection.settings_dict["NAME"] == CONFIGURED_DATABASE:
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        call_command("import_territories", verbosity=0)
    yield
    if created is not None:
        with django_db_blocker.unblock():
            teardown_databases(created, verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Reference-data caches (filter choices, search vocabulary) and rendered pages start
    empty in each test."""
    from django.core.cache import caches

    caches["default"].clear()
    caches["pages"].clear()


@pytest.fixture(autouse=True)
def _mail_delivered_at_once(settings):
    """Mail reaches `mail.outbox` as it is queued, as in development; the outbox's own
    tests (tests/core/test_mail_outbox.py) use the database backend and its worker."""
    settings.TASKS = {"default": {"BACKEND": settings.TASK_BACKENDS["immediate"]}}


@pytest.fixture
def uncached_pages(settings):
    """Every page rendered and counted afresh, as its first visitor gets it (query budgets)."""
    settings.PAGE_CACHE_SECONDS = 0
    settings.LISTING_COUNTS_CACHE = False


@pytest.fixture(scope="module")
def demo_data(django_db_setup, django_db_blocker):
    """The demo data set, committed for the tests of one module, removed afterwards."""
    with django_db_blocker.unblock():
        call_command("load_demo", verbosity=0)
    yield
    with django_db_blocker.unblock():
        remove_demo_data()


def remove_demo_data():
    """Undo load_demo in the test database: its providers and clusters, the labels it
    created and the reference catalogue it loaded, so that later tests start clean."""
    from offerings.catalogue import read_catalogue
    from offerings.models import Need, ReplacedProduct, Software
    from providers.demo.data import LABELS
    from providers.models import Label

    call_command("load_demo", remove=True, verbosity=0)
    Label.objects.filter(name__in=[label[0] for label in LABELS]).delete()
    catalogue = read_catalogue()
    Software.objects.filter(name__in=[entry["name"] for entry in catalogue["software"]]).delete()
    Need.objects.filter(slug__in=[entry["slug"] for entry in catalogue["need"]]).delete()
    ReplacedProduct.objects.filter(
        slug__in=[entry["slug"] for entry in catalogue["product"]]
    ).delete()


@pytest.fixture
def territory():
    """Look up a real territory: territory("commune", "91228")."""
    from territories.models import Territory

    def get(level, code):
        return Territory.objects.select_related("epci", "departement", "region").get(
            level=level, code=code
        )

    return get


@pytest.fixture
def admin_client(client):
    """The test `client`, logged in as a superuser (replaces pytest-django's own)."""
    client.force_login(SuperuserFactory())
    return client


@pytest.fixture
def idf_cluster():
    """The Île-de-France cluster (région 11), with a contact address of its own."""
    return ClusterFactory(name="Grappe IDF", email="grappe@idf.example", regions=[region("11")])


@pytest.fixture
def aura_cluster():
    """Another cluster, Auvergne-Rhône-Alpes (région 84), with nobody of ours in it."""
    return ClusterFactory(name="Grappe AURA", regions=[region("84")])


@pytest.fixture
def idf_moderator(idf_cluster):
    return ModeratorFactory(username="modo@idf.example", clusters=[idf_cluster])


@pytest.fixture
def moderator_client(idf_moderator):
    """A second browser, logged in as the Île-de-France moderator (`client` stays
    anonymous: the owner, the visitor)."""
    browser = Client()
    browser.force_login(idf_moderator)
    return browser


@pytest.fixture(scope="session")
def project_root():
    return Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def redis_url(request):
    """A real Redis or Valkey server for the shared-cache tests (TEST_REDIS_URL, by default
    the local one that .ci/run starts). Missing: skipped with a notice, or an error when
    REQUIRE_REDIS=1."""
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        reason = f"tests du cache partagé ignorés : pas de serveur Redis/Valkey à {url} ({error})"
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 mais {reason}")
        request.config.redis_skip_reason = reason
        pytest.skip(reason)
    return url


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    for name in ("browser_skip_reason", "redis_skip_reason"):
        reason = getattr(config, name, None)
        if reason:
            terminalreporter.write_sep("!", f"ATTENTION : {reason}", yellow=True, bold=True)
