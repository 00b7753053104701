"""manage.py check_websites: dead websites get flagged, then hidden, then forgiven.

Every fetch goes to a small HTTP server started by the test on 127.0.0.1, never the internet.
"""

import datetime
import http.server
import io
import threading
import time

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from providers.curation.liveness import check_all
from providers.models import Provider, Status
from tests.factories import (
    ProviderFactory,
)

pytestmark = pytest.mark.django_db

DAY_ONE = datetime.date(2026, 3, 2)
ADMIN_LIST = "/admin/providers/provider/"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        server.seen.append((self.path, self.headers.get("User-Agent", "")))
        path = self.path
        if path == "/slow":
            time.sleep(2.5)
        if path == "/moved":
            return self._redirect(301, "/ok")
        if path == "/loop":
            return self._redirect(302, "/loop")
        if path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            return self._redirect(302, f"/chain/{left - 1}" if left > 1 else "/ok")
        status = {"/ok": 200, "/slow": 200, "/down": 500}.get(path) or server.status.get(path, 404)
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(b"<p>Bonjour</p>")

    def _redirect(self, code, location):
        self.send_response(code)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the checker hung up on /slow: expected


@pytest.fixture
def site():
    """A local website: site.url("/ok"); site.seen lists (path, user agent) of requests;
    site.status["/flaky"] = 500 changes what /flaky answers."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.seen = []
    server.status = {"/flaky": 200}
    server.url = lambda path: f"http://127.0.0.1:{server.server_address[1]}{path}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def liveness_settings(settings):
    settings.WEBSITE_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBSITE_TIMEOUT_SECONDS = 1
    settings.WEBSITE_FLAG_AFTER_DAYS = 3
    settings.WEBSITE_HIDE_AFTER_DAYS = 5
    settings.WEBSITE_MAX_REDIRECTS = 5
    settings.WEBSITE_CONCURRENCY = 4
    return settings


def check_days(first, count):
    """Run the daily check on `count` successive days from day number `first` (1-based)."""
    for number in range(first, first + count):
        check_all(today=DAY_ONE + datetime.timedelta(days=number - 1))


def fresh(provider):
    provider.refresh_from_db()
    return provider


def is_public(client, provider):
    listed = Provider.objects.published().filter(pk=provider.pk).exists()
    status = client.get(f"/prestataires/{provider.slug}/").status_code
    assert listed == (status == 200), (listed, status)
    assert status in (200, 404)
    return listed


def test_a_working_site_stays_visible_and_is_marked_checked(client, site):
    provider = ProviderFactory(name="Atelier Ouvert", website=site.url("/ok"))
    report = check_all(today=DAY_ONE)
    provider = fresh(provider)
    assert report.checked == 1 and not report.failing
    assert provider.website_checked_at is not None
    assert provider.website_failure_days == 0 and provider.website_error == ""
    assert is_public(client, provider)
    assert mail.outbox == []


def test_the_checker_introduces_itself_with_its_user_agent(site):
    ProviderFactory(website=site.url("/ok"))
    check_all(today=DAY_ONE)
    assert [path for path, _agent in site.seen] == ["/ok"]
    assert "AnnuaireNumeriqueLibre" in site.seen[0][1]


def test_a_failing_site_counts_at_most_one_failure_per_calendar_day(site):
    provider = ProviderFactory(website=site.url("/down"))
    for _ in range(3):
        check_all(today=DAY_ONE)
    assert fresh(provider).website_failure_days == 1
    assert provider.website_error == "HTTP 500"
    check_all(today=DAY_ONE + datetime.timedelta(days=1))
    check_all(today=DAY_ONE + datetime.timedelta(days=1))
    assert fresh(provider).website_failure_days == 2
    assert mail.outbox == []


def test_after_three_failing_days_the_listing_is_flagged_and_its_owner_told_once(
    admin_client, site
):
    provider = ProviderFactory(name="Atelier Muet", website=site.url("/down"))
    ProviderFactory(name="Atelier Bavard", website=site.url("/ok"))
    check_days(1, 2)
    assert mail.outbox == []
    assert "Atelier Muet" not in admin_client.get(ADMIN_LIST, {"site": "injoignable"}).text

    check_days(3, 1)
    flagged = admin_client.get(ADMIN_LIST, {"site": "injoignable"}).text
    assert "Atelier Muet" in flagged and "Atelier Bavard" not in flagged
    [message] = mail.outbox
    assert message.to == [provider.email]
    assert message.subject == "[Annuaire] Le site de Atelier Muet ne répond plus"
    assert "depuis 3 jours (HTTP 500)" in message.body
    assert "pendant 5 jours" in message.body

    check_days(4, 1)
    assert len(mail.outbox) == 1  # told once, not every day
    assert is_public(admin_client, provider)  # flagged is not hidden yet


def test_after_five_failing_days_the_listing_is_hidden_and_the_cluster_moderators_told(
    admin_client, site, idf_moderator
):
    provider = ProviderFactory(name="Atelier Éteint", website=site.url("/down"))
    check_days(1, 4)
    assert is_public(admin_client, provider)

    check_days(5, 1)
    assert not is_public(admin_client, provider)
    assert "Atelier Éteint" in admin_client.get(ADMIN_LIST, {"site": "masque"}).text
    owner, moderators = mail.outbox
    assert owner.to == [provider.email]
    assert sorted(moderators.to) == sorted(["grappe@idf.example", idf_moderator.email])
    assert moderators.subject == "[Annuaire] Fiche masquée (site injoignable) : Atelier Éteint"
    assert f"/admin/providers/provider/{provider.pk}/change/" in moderators.body

    check_days(6, 3)
    assert len(mail.outbox) == 2
    assert not is_public(admin_client, provider)


def hide_as_if_down_for_five_days(provider):
    Provider.objects.filter(pk=provider.pk).update(
        website_failure_days=5,
        website_last_failure_on=DAY_ONE + datetime.timedelta(days=4),
        website_error="HTTP 503",
        website_owner_notified_at=timezone.now(),
        hidden_unreachable=True,
    )


def test_when_the_site_answers_again_everything_resets_and_the_listing_is_public(client, site):
    provider = ProviderFactory(website=site.url("/flaky"))
    site.status["/flaky"] = 503
    check_days(1, 5)
    assert not is_public(client, provider)

    site.status["/flaky"] = 200
    report = check_all(today=DAY_ONE + datetime.timedelta(days=5))
    provider = fresh(provider)
    assert report.recovered == [provider]
    assert is_public(client, provider)
    assert provider.website_failure_days == 0 and provider.website_error == ""
    assert provider.website_last_failure_on is None
    assert provider.website_owner_notified_at is None

    # A new outage starts from zero, and the owner is told again after three days.
    site.status["/flaky"] = 503
    mail.outbox.clear()
    check_days(7, 2)
    assert fresh(provider).website_failure_days == 2 and mail.outbox == []
    check_days(9, 1)
    assert [message.to for message in mail.outbox] == [[provider.email]]


def test_redirects_are_followed_up_to_the_cap(site):
    moved = ProviderFactory(website=site.url("/moved"))
    five_hops = ProviderFactory(website=site.url("/chain/5"))
    six_hops = ProviderFactory(website=site.url("/chain/6"))
    check_all(today=DAY_ONE)
    assert fresh(moved).website_failure_days == 0
    assert fresh(five_hops).website_failure_days == 0
    assert fresh(six_hops).website_failure_days == 1
    assert six_hops.website_error.startswith("HTTP 30")


def test_a_redirect_loop_is_a_failure_and_is_not_followed_forever(site):
    provider = ProviderFactory(website=site.url("/loop"))
    check_all(today=DAY_ONE)
    assert fresh(provider).website_failure_days == 1
    assert provider.website_error == "HTTP 302"
    assert 1 < len(site.seen) <= 6


def test_a_site_too_slow_to_answer_fails_with_a_readable_reason(site):
    provider = ProviderFactory(website=site.url("/slow"))
    started = time.monotonic()
    check_all(today=DAY_ONE)
    assert time.monotonic() - started < 2.4
    assert fresh(provider).website_failure_days == 1
    assert provider.website_error == "délai dépassé"


def test_a_site_on_a_private_address_is_refused_without_being_fetched(liveness_settings, site):
    liveness_settings.WEBSITE_ALLOW_PRIVATE_ADDRESSES = False
    provider = ProviderFactory(website=site.url("/ok"))
    check_all(today=DAY_ONE)
    assert fresh(provider).website_error == "adresse non publique"
    assert provider.website_failure_days == 1
    assert site.seen == []


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/index.html", "file:///etc/passwd", "javascript:alert(1)"]
)
def test_addresses_that_are_not_web_pages_are_refused(site, url):
    provider = ProviderFactory()
    Provider.objects.filter(pk=provider.pk).update(website=url)
    check_all(today=DAY_ONE)
    assert fresh(provider).website_error == "adresse non web"
    assert site.seen == []


def test_the_command_says_how_many_sites_were_checked_and_what_changed(site):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    ProviderFactory(website=site.url("/ok"))
    ProviderFactory(website="")  # nothing to check
    ProviderFactory(website=site.url("/down"), status=Status.DRAFT)  # not published
    third_day = ProviderFactory(website=site.url("/down"))
    fifth_day = ProviderFactory(website=site.url("/down"))
    back = ProviderFactory(website=site.url("/ok"))
    Provider.objects.filter(pk=third_day.pk).update(
        website_failure_days=2, website_last_failure_on=yesterday
    )
    Provider.objects.filter(pk=fifth_day.pk).update(
        website_failure_days=4,
        website_last_failure_on=yesterday,
        website_owner_notified_at=timezone.now(),
    )
    hide_as_if_down_for_five_days(back)
    out = io.StringIO()
    call_command("check_websites", stdout=out)
    assert out.getvalue().strip() == (
        "Sites vérifiés : 4 ; en échec : 2 ; nouvellement signalés : 1 (seuil 3 jours) ; "
        "masqués : 1 ; rétablis : 1."
    )
    assert sorted(path for path, _agent in site.seen) == ["/down", "/down", "/ok", "/ok"]
    # The owner of the third failing day; the directory team (no cluster) for the hidden one.
    recipients = [message.to for message in mail.outbox]
    assert recipients == [[third_day.email], [django_settings.CONTACT_EMAIL]]


def test_a_routine_check_adds_no_audit_history_but_a_change_of_state_does(site):
    provider = ProviderFactory(website=site.url("/flaky"))
    rows = provider.history.count()
    check_days(1, 2)
    assert provider.history.count() == rows
    assert fresh(provider).website_checked_at is not None

    site.status["/flaky"] = 500
    check_days(3, 1)
    assert provider.history.count() == rows + 1
    check_all(today=DAY_ONE + datetime.timedelta(days=2))  # same day, same error
    assert provider.history.count() == rows + 1
    assert provider.history.first().website_failure_days == 1


def test_a_hidden_listing_whose_dead_website_is_removed_is_public_again(client, site):
    provider = ProviderFactory(website=site.url("/down"))
    hide_as_if_down_for_five_days(provider)
    assert not is_public(client, provider)
    # The owner's revision, approved by a moderator, drops the dead address.
    Provider.objects.filter(pk=provider.pk).update(website="")
    check_days(6, 1)
    assert is_public(client, provider)
