"""Annuaire settings: one module, configured by environment variables.

Defaults suit development (`make run`: DEBUG on, SQLite file next to manage.py).
Production sets at least DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL;
see README.md, section "Déployer".
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


TRUE_WORDS = frozenset({"1", "true", "yes", "on", "oui"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", "non"})


def env_bool(name, default):
    """A yes/no setting. Anything but a known word stops the start-up: a typo such as
    `SECURE_SSL_REDIRECT=ture` must not silently mean « off »."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} n'est pas compris : valeurs acceptées "
        f"{', '.join(sorted(TRUE_WORDS))} (oui) ou {', '.join(sorted(FALSE_WORDS))} (non)."
    )


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    """A whole number ≥ 0; anything else stops the start-up with the variable's name."""
    value = os.environ.get(name)
    digits = (value or "").strip()
    if not digits:
        return default
    if not digits.isascii() or not digits.isdigit():
        raise ImproperlyConfigured(
            f"{name}={value!r} n'est pas compris : un nombre entier positif est attendu."
        )
    return int(digits)


DEBUG = env_bool("DEBUG", True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off, e.g. "
            "SECRET_KEY=\"$(python -c 'import secrets; print(secrets.token_urlsafe(50))')\""
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Absolute base URL used in emails and feeds when there is no request at hand.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.syndication",
    "django_filters",
    "simple_history",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "core.apps.MailOutboxConfig",
    "core",
    "territories",
    "offerings",
    "providers",
    "opendata",
    # Full-text search, trigram and unaccent lookups; harmless on SQLite.
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",  # ETag, 304 Not Modified
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]
# Login lockout (django-axes, attempts stored in the database, so every server sees them):
# after LOGIN_FAILURE_LIMIT wrong passwords for one account from one address, or from one
# address whatever the account, logins from there are refused for LOGIN_LOCKOUT_MINUTES.
# A superuser unlocks with `manage.py axes_reset_username <e-mail>` (README « Security »).
MIDDLEWARE.append("axes.middleware.AxesMiddleware")
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "core.ratelimit.client_ip"
AXES_LOCKOUT_TEMPLATE = "403_lockout.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# Optional two-factor login for moderators (annuaire/two_factor.py): the name shown in the
# authenticator app.
OTP_TOTP_ISSUER = "Annuaire du numérique libre"
if env_bool("BENCH_QUERY_COUNT", False):  # make bench only: SQL queries per response
    MIDDLEWARE.insert(0, "annuaire.bench.QueryCountMiddleware")

ROOT_URLCONF = "annuaire.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "annuaire.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "annuaire.wsgi.application"

# Database: DATABASE_URL, e.g. postgres://user:password@host:5432/annuaire.
# Default: a SQLite file beside manage.py (zero setup for `make run`).
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # A new connection per request by default (≈ 5 ms): a database that freezes then
        # costs each request DB_CONNECT_TIMEOUT and a 503, where a kept connection would
        # wait on it until gunicorn kills the worker. Behind PgBouncer, keep 0.
        conn_max_age=env_int("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer must not hold a request: past this many seconds the
    # connection attempt fails, and the page says « service momentanément indisponible »
    # (503, annuaire.views.server_error) instead of hanging.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env_int("DB_CONNECT_TIMEOUT", 5)
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    # A file (not :memory:) so that a second process, e.g. the server the
    # browser tests start, can read the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}

# Cache: CACHE_URL, e.g. redis://cache:6379/0 (Redis or Valkey), shared by every app
# server: rate limits and reference data then count and change as one. Default: memory
# local to each process, enough for `make run` (see README, "Scaling").
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            # Django's RedisCache, working on memory local to the process while the
            # server is unreachable (core/cache.py).
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "annuaire"),
            # A cache that does not answer must not hang a request: fail fast, then leave
            # it alone for a few seconds.
            "OPTIONS": {
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                "retry_after_seconds": env_int("CACHE_RETRY_SECONDS", 10),
            },
        }
    }
    # Rendered pages (core.pagecache) in the same server, under their own prefix; Redis
    # bounds them by their timeout (and its maxmemory policy, see README « Scaling »).
    CACHES["pages"] = {
        **CACHES["default"],
        "KEY_PREFIX": CACHES["default"]["KEY_PREFIX"] + "-pages",
    }
elif CACHE_URL in ("", "locmem://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        # At most 300 pages of ≈ 40 KB per process.
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 300},
        },
    }
else:
    raise ImproperlyConfigured(
        f"CACHE_URL non reconnu : {CACHE_URL!r} (redis://hôte:6379/0 ou locmem://)."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A URL typed without scheme is taken as https:// (Django 6's default, adopted now).
FORMS_URLFIELD_ASSUME_HTTPS = True

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface is French and only French (README, "Language"): the messages are written
# in French, in the code and the templates. There is no translation catalogue, hence no
# LOCALE_PATHS and no other entry in LANGUAGES.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# Static files, served by whitenoise (no CDN: every asset comes from this app).
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env_bool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: console in development, SMTP otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Annuaire <annuaire@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Admin", email) for email in env_list("ADMINS")]
# The mail outbox (core/mail.py): in production every message is a row in the database,
# delivered and retried by `manage.py db_worker` (compose.yaml runs it). In development
# (DEBUG) a message is delivered at once, to the console, unless MAIL_OUTBOX=database.
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
MAIL_OUTBOX = os.environ.get("MAIL_OUTBOX", "immediate" if DEBUG else "database")
if MAIL_OUTBOX not in TASK_BACKENDS:
    raise ImproperlyConfigured(
        f"MAIL_OUTBOX={MAIL_OUTBOX!r} n'est pas compris : database ou immediate."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[MAIL_OUTBOX]}}
# Public contact of the directory team (error reports when a listing has no cluster).
CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "contact@annuaire.example")

# Security. Development stays on plain HTTP; production is HTTPS-only.
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy on every response (django-csp): everything the pages use is
# served by the app itself, no inline script or style, no frames, no plugins. The JSON-LD
# blocks are data, not scripts: browsers neither run nor block them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}
# Permissions-Policy (django-permissions-policy): no page needs a device or sensor.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "sync-xhr",
        "usb",
        "xr-spatial-tracking",
    )
}
CSRF_FAILURE_VIEW = "annuaire.views.csrf_failure"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # Health probes speak plain HTTP inside the private network.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
BEHIND_HTTPS_PROXY = env_bool("BEHIND_HTTPS_PROXY", False)
if BEHIND_HTTPS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
    },
}

# The audit history is read-only: decisions go through the moderation queue.
SIMPLE_HISTORY_REVERT_DISABLED = True

# Directory-specific settings, each read from the environment of the same name. Flat
# names, so that code reads settings.STALE_AFTER_DAYS and tests override one with
# pytest-django's `settings` fixture.
# Path of the vendored official territories archive (see territories/data/README.md).
TERRITORIES_ARCHIVE = BASE_DIR / "territories" / "data" / "etalab-decoupage-administratif-6.0.0.tgz"
TERRITORY_POINTS = BASE_DIR / "territories" / "data" / "commune-points.csv.gz"
MAP_SHAPES = BASE_DIR / "territories" / "data" / "map-shapes.json.gz"
# Staleness (manage.py remind_stale): remind after this many days without
# verification, archive when still unconfirmed this many days after the reminder.
STALE_AFTER_DAYS = env_int("STALE_AFTER_DAYS", 365)
ARCHIVE_AFTER_REMINDER_DAYS = env_int("ARCHIVE_AFTER_REMINDER_DAYS", 90)
# Liveness (manage.py check_websites): flag after N failing days, hide after M.
WEBSITE_FLAG_AFTER_DAYS = env_int("WEBSITE_FLAG_AFTER_DAYS", 3)
WEBSITE_HIDE_AFTER_DAYS = env_int("WEBSITE_HIDE_AFTER_DAYS", 14)
WEBSITE_TIMEOUT_SECONDS = env_int("WEBSITE_TIMEOUT_SECONDS", 10)
WEBSITE_CONCURRENCY = env_int("WEBSITE_CONCURRENCY", 8)
WEBSITE_MAX_REDIRECTS = env_int("WEBSITE_MAX_REDIRECTS", 5)
# Only public addresses are fetched, unless this is on (tests use a local server).
WEBSITE_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBSITE_ALLOW_PRIVATE_ADDRESSES", False)
# Magic links (hours) and the defences of the public forms.
EDIT_LINK_HOURS = env_int("EDIT_LINK_HOURS", 48)
CONFIRM_LINK_HOURS = env_int("CONFIRM_LINK_HOURS", 7 * 24)
FORM_MIN_SECONDS = env_int("FORM_MIN_SECONDS", 3)
SUBMISSIONS_PER_HOUR = env_int("SUBMISSIONS_PER_HOUR", 5)
FORM_ROWS_PER_HOUR = env_int("FORM_ROWS_PER_HOUR", 60)  # « Ajouter une ligne d'offre »
LINK_REQUESTS_PER_HOUR = env_int("LINK_REQUESTS_PER_HOUR", 5)
REPORTS_PER_HOUR = env_int("REPORTS_PER_HOUR", 10)
EXPORTS_PER_HOUR = env_int("EXPORTS_PER_HOUR", 60)
API_REQUESTS_PER_MINUTE = env_int("API_REQUESTS_PER_MINUTE", 120)
# Anonymous public pages kept rendered in the cache (core.pagecache), forgotten whenever a
# listing or reference data changes; 0 turns it off (make bench measures both).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# Counts over the published listings (facets, totals of home, software and territory pages)
# kept in the cache under the same generation; LISTING_COUNTS_CACHE=0 computes them on each
# request (make bench measures both).
LISTING_COUNTS_CACHE = env_bool("LISTING_COUNTS_CACHE", True)
