"""Production settings pass `check --deploy`; secrets come from the environment; /healthz."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_django(code_or_args, env_overrides, *, manage=False):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"}
    }
    env.update(env_overrides)
    args = (
        [sys.executable, "manage.py", *code_or_args]
        if manage
        else [sys.executable, "-c", code_or_args]
    )
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "annuaire.example",
}


def test_check_deploy_is_clean_with_production_settings():
    result = run_django(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, manage=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_secret_key():
    result = run_django(["check"], {"DEBUG": "0", "ALLOWED_HOSTS": "annuaire.example"}, manage=True)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_a_working_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_503_when_the_database_is_down():
    """A real fault: the app pointed at a port where no database listens."""
    code = (
        "import django, os; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.content.decode())"
    )
    result = run_django(
        code,
        {
            "DJANGO_SETTINGS_MODULE": "annuaire.settings",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere",
            "DEBUG": "1",
            "ALLOWED_HOSTS": "testserver",
        },
    )
    assert result.stdout.startswith("503 "), result.stdout + result.stderr
    assert "unreachable" in result.stdout


def test_production_serves_https_only_with_secure_cookies():
    code = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE,"
        " s.SECURE_HSTS_SECONDS > 0, s.EMAIL_BACKEND)"
    )
    result = run_django(code, {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "annuaire.settings"})
    assert result.stdout.split() == [
        "True",
        "True",
        "True",
        "True",
        "django.core.mail.backends.smtp.EmailBackend",
    ], result.stderr


def test_the_cache_comes_from_cache_url_and_a_bad_one_is_refused():
    code = "import django; django.setup(); from django.conf import settings as s;" + (
        "print(s.CACHES['default']['BACKEND'])"
    )
    env = {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "annuaire.settings"}
    redis = run_django(code, {**env, "CACHE_URL": "redis://cache:6379/0"})
    assert redis.stdout.strip() == "core.cache.ResilientRedisCache", redis.stderr
    bad = run_django(code, {**env, "CACHE_URL": "memcached://cache"})
    assert bad.returncode != 0 and "CACHE_URL non reconnu" in bad.stderr


def test_production_warns_at_start_when_the_cache_is_per_process():
    result = run_django(["check"], {**PRODUCTION, "CACHE_URL": ""}, manage=True)
    assert "Cache local à chaque processus (CACHE_URL absent)" in result.stderr
    shared = run_django(["check"], {**PRODUCTION, "CACHE_URL": "redis://cache:6379/0"}, manage=True)
    assert "Cache local" not in shared.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [("SECURE_SSL_REDIRECT", "ture"), ("DEBUG", "nope"), ("EMAIL_TIMEOUT", "10s")],
)
def test_a_misspelt_setting_stops_the_start_up_with_its_name(variable, value):
    """`SECURE_SSL_REDIRECT=ture` used to mean « off » without a word."""
    result = run_django(["check"], {**PRODUCTION, variable: value}, manage=True)
    assert result.returncode != 0
    assert f"{variable}={value!r} n'est pas compris" in result.stderr


@pytest.mark.parametrize("value", ["0", "off", "Non", " false "])
def test_the_known_words_for_off_are_read_as_off(value):
    code = (
        "import django; django.setup(); from django.conf import settings;"
        "print(settings.SECURE_SSL_REDIRECT)"
    )
    result = run_django(
        code,
        {**PRODUCTION, "DJANGO_SETTINGS_MODULE": "annuaire.settings", "SECURE_SSL_REDIRECT": value},
    )
    assert result.stdout.strip() == "False", result.stderr


def test_pages_say_service_unavailable_when_the_database_cannot_be_reached():
    """A real fault: the app pointed at a port where no database listens. Pages used to
    answer a bare 500; a person now reads why, and a proxy or a robot knows to retry."""
    code = (
        "import django, time; django.setup();"
        "from django.test import Client;"
        "started = time.monotonic();"
        "r = Client(raise_request_exception=False).get('/prestataires/?q=nextcloud');"
        "print(r.status_code, r.get('Retry-After'), round(time.monotonic() - started, 1));"
        "print(r.content.decode())"
    )
    result = run_django(
        code,
        {
            **PRODUCTION,
            "DJANGO_SETTINGS_MODULE": "annuaire.settings",
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/nowhere",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "STATIC_MANIFEST": "0",
        },
    )
    status, retry_after, seconds = result.stdout.splitlines()[0].split()
    assert (status, retry_after) == ("503", "30"), result.stdout + result.stderr
    assert float(seconds) < 2
    assert "Service momentanément indisponible" in result.stdout
    assert 'lang="fr"' in result.stdout
