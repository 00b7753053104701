"""manage.py remind_stale and the « toujours exact » link: old listings confirmed or archived."""

import datetime
import io
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from providers.models import LinkPurpose, MagicLink, Provider, Status
from tests.factories import ClusterFactory, ProviderFactory, commune, region

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http\S+/fiche-a-jour/[^/\s]+/")


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def travel(provider, **fields):
    Provider.objects.filter(pk=provider.pk).update(**fields)
    provider.refresh_from_db()
    return provider


def remind_stale():
    out = io.StringIO()
    call_command("remind_stale", stdout=out)
    return out.getvalue().strip()


def summary(reminded, without_email, archived):
    return (
        f"Relancées : {reminded} ; sans adresse (grappe prévenue) : {without_email} ; "
        f"archivées : {archived}."
    )


def link_path(message):
    [url] = LINK.findall(message.body)
    assert url.startswith(django_settings.SITE_URL)
    return urlsplit(url).path


@pytest.fixture
def reminded():
    """A published listing unverified for 400 days, just reminded: (provider, link path)."""
    provider = travel(ProviderFactory(name="Atelier Ancien"), last_verified_at=days_ago(400))
    remind_stale()
    [message] = mail.outbox
    mail.outbox.clear()
    return provider, link_path(message)


def test_owner_of_a_listing_unverified_for_a_year_gets_one_reminder_with_a_working_link(client):
    provider = travel(ProviderFactory(name="Atelier Ancien"), last_verified_at=days_ago(400))
    travel(ProviderFactory(name="Atelier Récent"), last_verified_at=days_ago(30))
    assert remind_stale() == summary(1, 0, 0)
    [message] = mail.outbox
    assert message.to == [provider.email]
    assert message.subject == "[Annuaire] Votre fiche Atelier Ancien est-elle toujours exacte ?"
    assert "lien valable 90 jours" in message.body
    assert f"/prestataires/{provider.slug}/" in message.body
    page = client.get(link_path(message))
    assert page.status_code == 200
    assert "La fiche est toujours exacte" in page.text
    assert "Atelier Ancien" in page.text
    assert Provider.objects.get(pk=provider.pk).reminded_at is not None


def test_running_the_command_twice_the_same_day_sends_no_second_email(idf_cluster):
    travel(ProviderFactory(name="Atelier Ancien"), last_verified_at=days_ago(400))
    travel(ProviderFactory(name="Sans Adresse", email=""), last_verified_at=days_ago(400))
    remind_stale()
    assert len(mail.outbox) == 2  # the owner, and the cluster about the listing without e-mail
    assert remind_stale() == summary(0, 0, 0)
    assert len(mail.outbox) == 2
    assert MagicLink.objects.count() == 1


def test_confirming_through_the_link_marks_the_listing_verified_once_and_for_all(client, reminded):
    provider, path = reminded
    before = timezone.now()
    page = client.post(path)
    assert page.status_code == 200
    assert "Merci, la fiche est confirmée" in page.text
    provider.refresh_from_db()
    assert provider.last_verified_at >= before
    assert provider.reminded_at is None
    assert provider.status == Status.PUBLISHED

    again = client.post(path)
    assert again.status_code == 404
    assert "Ce lien n'est plus valable" in again.text
    assert client.get(path).status_code == 404
    provider.refresh_from_db()
    assert provider.reminded_at is None


def test_opening_the_link_only_shows_the_button_and_does_not_use_it(client, reminded):
    provider, path = reminded
    for _ in range(3):  # a mail scanner, then the owner, twice
        page = client.get(path)
        assert page.status_code == 200
        assert '<form method="post">' in page.text
    assert client.head(path).status_code == 200
    assert MagicLink.objects.get().used_at is None
    assert Provider.objects.get(pk=provider.pk).reminded_at is not None
    assert client.post(path).status_code == 200


def test_an_expired_link_is_refused(client, reminded):
    provider, path = reminded
    MagicLink.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 404
        assert "Ce lien n'est plus valable" in response.text
    assert Provider.objects.get(pk=provider.pk).last_verified_at == provider.last_verified_at


def test_a_made_up_link_is_refused(client):
    assert client.get("/fiche-a-jour/pas-un-vrai-jeton/").status_code == 404
    assert client.post("/fiche-a-jour/" + "x" * 150 + "/").status_code == 404


def test_a_listing_left_unanswered_91_days_is_archived_and_its_cluster_told(client, idf_moderator):
    silent = ProviderFactory(name="Atelier Silencieux")
    quiet = ProviderFactory(name="Atelier Discret")
    for provider in (silent, quiet):
        travel(provider, last_verified_at=days_ago(456), reminded_at=days_ago(91))
    answered = ProviderFactory(name="Atelier Réactif")
    travel(answered, last_verified_at=days_ago(400), reminded_at=days_ago(40))

    assert remind_stale() == summary(0, 0, 2)
    for provider in (silent, quiet):
        provider.refresh_from_db()  # archived, not deleted
        assert provider.status == Status.ARCHIVED
        assert client.get(f"/prestataires/{provider.slug}/").status_code == 404
    assert set(Provider.objects.published()) == {answered}
    [message] = mail.outbox
    assert sorted(message.to) == sorted(["grappe@idf.example", idf_moderator.email])
    assert "Grappe IDF" in message.subject
    assert "Atelier Silencieux (Évry-Courcouronnes (91))" in message.body
    assert "Atelier Discret (Évry-Courcouronnes (91))" in message.body
    assert "Atelier Réactif" not in message.body

    remind_stale()
    assert len(mail.outbox) == 1


def test_a_listing_verified_since_the_reminder_is_not_archived(idf_cluster):
    provider = ProviderFactory()
    travel(provider, reminded_at=days_ago(100), last_verified_at=days_ago(95))
    remind_stale()
    assert Provider.objects.get(pk=provider.pk).status == Status.PUBLISHED
    assert mail.outbox == []


def test_a_listing_verified_after_its_reminder_is_reminded_again_a_year_later():
    provider = ProviderFactory(name="Atelier Revu")
    travel(provider, reminded_at=days_ago(500), last_verified_at=days_ago(400))
    remind_stale()
    assert Provider.objects.get(pk=provider.pk).status == Status.PUBLISHED
    assert [message.to for message in mail.outbox] == [[provider.email]]


def test_a_listing_without_email_is_not_emailed_but_its_cluster_is_told(idf_cluster):
    provider = travel(ProviderFactory(name="Atelier Muet", email=""), last_verified_at=None)
    assert remind_stale() == summary(0, 1, 0)
    [message] = mail.outbox
    assert message.to == ["grappe@idf.example"]
    assert "n'ont pas d'adresse de contact" in message.body
    assert "Atelier Muet (Évry-Courcouronnes (91))" in message.body
    assert not MagicLink.objects.exists()
    assert Provider.objects.get(pk=provider.pk).reminded_at is not None


def test_the_cluster_a_listing_is_assigned_to_hears_of_its_archiving():
    ClusterFactory(name="Grappe Essonne", email="grappe@essonne.example", regions=[region("11")])
    own = ClusterFactory(name="Grappe Tiers-Lieux", email="grappe@tiers-lieux.example")
    provider = ProviderFactory(name="Atelier Partagé", cluster=own)
    travel(provider, last_verified_at=days_ago(456), reminded_at=days_ago(91))
    remind_stale()
    assert "grappe@tiers-lieux.example" in {address for m in mail.outbox for address in m.to}


def test_a_listing_without_email_nor_cluster_is_reported_to_the_directory_team():
    provider = ProviderFactory(name="Atelier Lyonnais", email="", seat=commune("69123"))
    travel(provider, last_verified_at=days_ago(400))
    remind_stale()
    [message] = mail.outbox
    assert message.to == [django_settings.CONTACT_EMAIL]
    assert "Atelier Lyonnais" in message.body


def test_the_delays_follow_the_settings(settings, client):
    settings.STALE_AFTER_DAYS = 30
    settings.ARCHIVE_AFTER_REMINDER_DAYS = 7
    due = travel(ProviderFactory(name="Atelier Mensuel"), last_verified_at=days_ago(31))
    fresh = travel(ProviderFactory(name="Atelier Frais"), last_verified_at=days_ago(29))
    late = ProviderFactory(name="Atelier En Retard")
    travel(late, last_verified_at=days_ago(40), reminded_at=days_ago(8))
    waiting = ProviderFactory(name="Atelier Patient")
    travel(waiting, last_verified_at=days_ago(40), reminded_at=days_ago(6))

    assert remind_stale() == summary(1, 0, 1)
    reminder = next(message for message in mail.outbox if message.to == [due.email])
    assert "lien valable 7 jours" in reminder.body
    link = MagicLink.objects.get(provider=due, purpose=LinkPurpose.STILL_ACCURATE)
    lifetime = link.expires_at - timezone.now()
    assert datetime.timedelta(days=6, hours=23) < lifetime <= datetime.timedelta(days=7)
    assert Provider.objects.get(pk=fresh.pk).reminded_at is None
    assert Provider.objects.get(pk=late.pk).status == Status.ARCHIVED
    assert Provider.objects.get(pk=waiting.pk).status == Status.PUBLISHED


@pytest.mark.parametrize("status", [Status.DRAFT, Status.PENDING, Status.ARCHIVED])
def test_listings_that_are_not_published_are_never_reminded(status):
    provider = ProviderFactory(status=status)
    travel(provider, last_verified_at=days_ago(800))
    assert remind_stale() == summary(0, 0, 0)
    assert mail.outbox == []
    provider.refresh_from_db()
    assert provider.reminded_at is None and provider.status == status
