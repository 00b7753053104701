"""Is each provider's website still there? Bounded, polite, and never the internet in tests.

Fetches run in a thread pool (WEBSITE_CONCURRENCY at once), each with a timeout,
a cap on redirects, a clear User-Agent, and only towards public addresses (a
listing cannot make the server probe its own network). Results are written by the
calling thread. A failure counts once per calendar day: after N failing days in
a row the listing is flagged in the admin and its owner told; after M it is
hidden from the public until the site answers again.
"""

import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.models import Provider, Status

from . import emails

USER_AGENT = "AnnuaireNumeriqueLibre-LinkCheck/1.0 (+{site}/a-propos/)"
LIVENESS_FIELDS = [
    "website_checked_at",
    "website_failure_days",
    "website_last_failure_on",
    "website_error",
    "website_owner_notified_at",
    "hidden_unreachable",
]


class CheckRefused(Exception):
    """The URL is not something we fetch (scheme, private address…)."""


@dataclass
class Outcome:
    ok: bool
    detail: str


@dataclass
class LivenessReport:
    checked: int = 0
    failing: list = field(default_factory=list)
    flagged: list = field(default_factory=list)
    hidden: list = field(default_factory=list)
    recovered: list = field(default_factory=list)


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, limit):
        self.max_redirections = limit
        self.max_repeats = limit
        super().__init__()

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        _check_address(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _check_address(url):
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CheckRefused("adresse non web")


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _is_public(ip):
    if ip.version == 6:
        if ip.ipv4_mapped:
            return _is_public(ip.ipv4_mapped)
        if ip in NAT64 or int(ip) < 2**32:  # NAT64 and the old IPv4-compatible ::a.b.c.d
            return False
    return ip.is_global


def _public_connection(address, timeout=socket._GLOBAL_DEFAULT_TIMEOUT, source_address=None):
    """socket.create_connection, but only towards public addresses, checked on the very
    addresses connected to: a name resolved once for a check and again to connect
    could change in between (DNS rebinding) and reach the server's own network."""
    host, port = address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise CheckRefused("nom de domaine introuvable") from None
    allow_private = settings.WEBSITE_ALLOW_PRIVATE_ADDRESSES
    if not allow_private and not all(_is_public(ipaddress.ip_address(i[4][0])) for i in infos):
        raise CheckRefused("adresse non publique")
    error = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError("connexion impossible")


class _PublicHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._create_connection = _public_connection


class _PublicHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_PublicHTTPConnection, req)


class _PublicHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_PublicHTTPSConnection, req, context=self._context)


def fetch(url):
    """Fetch `url` (GET, first bytes only); an Outcome, never an exception."""
    try:
        _check_address(url)
        opener = urllib.request.build_opener(
            _LimitedRedirects(settings.WEBSITE_MAX_REDIRECTS),
            _PublicHTTPHandler,
            _PublicHTTPSHandler,
        )
        request = urllib.request.Request(  # noqa: S310 (http/https only: _check_address)
            url,
            headers={
                "User-Agent": USER_AGENT.format(site=settings.SITE_URL),
                "Accept": "text/html,*/*;q=0.5",
            },
        )
        with opener.open(request, timeout=settings.WEBSITE_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return Outcome(True, f"HTTP {response.status}")
    except CheckRefused as error:
        return Outcome(False, str(error))
    except urllib.error.HTTPError as error:
        return Outcome(False, f"HTTP {error.code}")
    except urllib.error.URLError as error:
        return Outcome(False, _reason(error.reason))
    except TimeoutError:
        return Outcome(False, "délai dépassé")
    except (OSError, ValueError) as error:
        return Outcome(False, _reason(error))


def _reason(reason):
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "délai dépassé"
    if isinstance(reason, ConnectionRefusedError):
        return "connexion refusée"
    return str(reason)[:150] or reason.__class__.__name__


def check_all(providers=None, today=None):
    """Check the websites of published listings (hidden ones too, to unhide them)."""
    today = today or timezone.localdate()
    report = LivenessReport()
    if providers is None:
        # A listing hidden for a dead site that has since been removed is public again.
        for provider in Provider.objects.filter(website="", hidden_unreachable=True):
            record(provider, Outcome(True, "site retiré de la fiche"), today, report)
        providers = Provider.objects.filter(status=Status.PUBLISHED).exclude(website="")
    providers = list(providers.select_related("seat"))
    with ThreadPoolExecutor(max_workers=settings.WEBSITE_CONCURRENCY) as pool:
        outcomes = list(pool.map(lambda provider: fetch(provider.website), providers))
    report.checked = len(providers)
    for provider, outcome in zip(providers, outcomes, strict=True):
        record(provider, outcome, today, report)
    return report


def record(provider, outcome, today, report):
    flag_after = settings.WEBSITE_FLAG_AFTER_DAYS
    hide_after = settings.WEBSITE_HIDE_AFTER_DAYS
    with transaction.atomic():
        provider = (
            Provider.objects.select_for_update(of=("self",))
            .select_related("seat")
            .get(pk=provider.pk)
        )
        before = {name: getattr(provider, name) for name in LIVENESS_FIELDS}
        provider.website_checked_at = timezone.now()
        newly_flagged = newly_hidden = False
        if outcome.ok:
            if provider.website_failure_days or provider.hidden_unreachable:
                report.recovered.append(provider)
            provider.website_failure_days = 0
            provider.website_last_failure_on = None
            provider.website_error = ""
            provider.website_owner_notified_at = None
            provider.hidden_unreachable = False
        else:
            if provider.website_last_failure_on != today:  # one failure per day at most
                provider.website_failure_days += 1
                provider.website_last_failure_on = today
            provider.website_error = outcome.detail[:200]
            report.failing.append(provider)
            if provider.website_failure_days >= flag_after and not (
                provider.website_owner_notified_at
            ):
                provider.website_owner_notified_at = timezone.now()
                newly_flagged = True
                report.flagged.append(provider)
            if provider.website_failure_days >= hide_after and not provider.hidden_unreachable:
                provider.hidden_unreachable = True
                newly_hidden = True
                report.hidden.append(provider)
        changed = [name for name in LIVENESS_FIELDS if getattr(provider, name) != before[name]]
        if changed == ["website_checked_at"]:  # routine check, nothing new: no history row
            Provider.objects.filter(pk=provider.pk).update(
                website_checked_at=provider.website_checked_at
            )
        else:
            provider.save(update_fields=[*changed, "updated_at"])
        context = {"days": provider.website_failure_days, "hide_after": hide_after}
        if newly_flagged and provider.email:
            emails.send("website_down_owner", [provider.email], provider=provider, **context)
        if newly_hidden:
            emails.notify_moderators(provider, "website_hidden_cluster", **context)
