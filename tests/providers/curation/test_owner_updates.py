"""Owners keep their entry current with a magic link; moderators approve the revision."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from offerings.models import ServiceKind
from providers.models import MagicLink, Provider, ReviewStatus, Revision, Status
from tests.curation_helpers import link_in, sent_to, started, submission_data
from tests.factories import (
    OfferingFactory,
    ProviderFactory,
    SoftwareFactory,
    commune,
    departement,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def listing():
    provider = ProviderFactory(
        name="Libre Essonne",
        siren="552100554",
        email="contact@libre-essonne.example",
        service_areas=[departement("91")],
        last_verified_at=timezone.now() - datetime.timedelta(days=200),
    )
    OfferingFactory(
        provider=provider, software=SoftwareFactory(name="Dolibarr"), kinds=["installation"]
    )
    return provider


def ask_link(client, provider):
    response = client.post(f"/prestataires/{provider.slug}/mise-a-jour/")
    assert response.status_code == 200
    return link_in(sent_to(provider.email)[-1])


def edit_data(provider, **overrides):
    data = submission_data(
        name=provider.name,
        siren=provider.siren,
        email=provider.email,
        website=provider.website,
        description="Nouvelle présentation : Dolibarr et Nextcloud.",
        areas_text="Essonne\nHauts-de-Seine",
    )
    data.update(overrides)
    return data


def test_every_listing_offers_owners_an_update_link(client, listing):
    page = client.get(f"/prestataires/{listing.slug}/").content.decode()
    assert "Vous êtes ce prestataire ?" in page
    request_page = client.get(f"/prestataires/{listing.slug}/mise-a-jour/").content.decode()
    assert "c•••@libre-essonne.example" in request_page
    assert "contact@libre-essonne.example" not in request_page


def test_the_link_opens_a_prefilled_form(client, listing):
    link = ask_link(client, listing)
    (message,) = mail.outbox
    assert message.to == ["contact@libre-essonne.example"]
    assert "48 heures" in message.body
    page = client.get(link).content.decode()
    assert 'value="Libre Essonne"' in page
    assert "Évry-Courcouronnes (91)" in page
    assert "Essonne (91)" in page


def test_an_owner_edit_waits_for_review_while_the_listing_stays_online(client, listing):
    link = ask_link(client, listing)
    mail.outbox.clear()
    response = client.post(link, edit_data(listing))
    assert response.status_code == 200
    assert "Modifications envoyées" in response.content.decode()
    listing.refresh_from_db()
    assert listing.description == "Intégrateur de logiciels libres."  # unchanged
    assert listing.is_public
    revision = Revision.objects.get()
    assert revision.status == ReviewStatus.PENDING
    assert revision.submitted_by_email == "contact@libre-essonne.example"
    assert sent_to("contact@libre-essonne.example")  # acknowledgement
    # The link was spent: it cannot be replayed.
    again = client.post(link, edit_data(listing, name="Pirate"))
    assert again.status_code == 404
    assert Revision.objects.count() == 1


def test_moderator_sees_a_field_by_field_diff_and_approves_atomically(
    client, listing, moderator_client
):
    link = ask_link(client, listing)
    nextcloud = SoftwareFactory(name="Nextcloud")
    kinds = {kind.slug: str(kind.pk) for kind in ServiceKind.objects.all()}
    client.post(
        link,
        edit_data(
            listing,
            phone="01 99 00 00 01",
            **{
                "offres-1-software": str(nextcloud.pk),
                "offres-1-service_kinds": [kinds["hebergement"]],
            },
        ),
    )
    revision = Revision.objects.get()
    queue = moderator_client.get("/admin/providers/provider/moderation/").content.decode()
    assert "Mises à jour proposées (1)" in queue
    assert "Nouvelle présentation" in queue and "Hauts-de-Seine" in queue
    assert "Nextcloud : hébergement et infogérance" in queue
    mail.outbox.clear()
    response = moderator_client.post(
        f"/admin/providers/provider/moderation/revision/{revision.pk}/", {"decision": "approve"}
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert listing.description == "Nouvelle présentation : Dolibarr et Nextcloud."
    assert listing.phone == "01 99 00 00 01"
    assert {a.name for a in listing.service_areas.all()} == {"Essonne", "Hauts-de-Seine"}
    assert {o.software.name for o in listing.offerings.all()} == {"Dolibarr", "Nextcloud"}
    assert listing.last_verified_at > timezone.now() - datetime.timedelta(minutes=1)
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.APPROVED
    assert revision.reviewed_by.username == "modo@idf.example"
    (decision,) = sent_to("contact@libre-essonne.example")
    assert "acceptée" in decision.subject
    # The audit history says who changed it.
    assert listing.history.first().history_user.username == "modo@idf.example"


def test_a_failing_approval_leaves_the_published_listing_as_it_was(
    client, listing, moderator_client
):
    link = ask_link(client, listing)
    client.post(link, edit_data(listing, description="Tout nouveau"))
    revision = Revision.objects.get()
    # Meanwhile another listing took the SIREN the proposal carries.
    revision.data["fields"]["siren"] = "732829320"
    revision.save()
    ProviderFactory(name="Autre", siren="732829320")
    response = moderator_client.post(
        f"/admin/providers/provider/moderation/revision/{revision.pk}/",
        {"decision": "approve"},
        follow=True,
    )
    assert "existe déjà" in response.content.decode()
    listing.refresh_from_db()
    assert listing.description == "Intégrateur de logiciels libres."
    assert listing.siren == "552100554"
    assert {o.software.name for o in listing.offerings.all()} == {"Dolibarr"}
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.PENDING


def test_rejecting_needs_a_reason_which_is_emailed(client, listing, moderator_client):
    client.post(ask_link(client, listing), edit_data(listing))
    revision = Revision.objects.get()
    url = f"/admin/providers/provider/moderation/revision/{revision.pk}/"
    page = moderator_client.post(url, {"decision": "reject"}, follow=True).content.decode()
    assert "Indiquez la raison" in page
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.PENDING
    mail.outbox.clear()
    moderator_client.post(url, {"decision": "reject", "note": "Nextcloud n'est pas proposé."})
    revision.refresh_from_db()
    assert revision.status == ReviewStatus.REJECTED
    (message,) = mail.outbox
    assert "refusée" in message.subject and "Nextcloud n'est pas proposé." in message.body


def test_asking_for_changes_sends_a_fresh_link(client, listing, moderator_client):
    client.post(ask_link(client, listing), edit_data(listing))
    revision = Revision.objects.get()
    mail.outbox.clear()
    moderator_client.post(
        f"/admin/providers/provider/moderation/revision/{revision.pk}/",
        {"decision": "changes", "note": "Précisez vos zones."},
    )
    (message,) = mail.outbox
    assert "Précisez vos zones." in message.body
    assert client.get(link_in(message)).status_code == 200


def test_a_newer_proposal_supersedes_the_pending_one(client, listing):
    client.post(ask_link(client, listing), edit_data(listing, description="Première version"))
    client.post(ask_link(client, listing), edit_data(listing, description="Seconde version"))
    assert (
        Revision.objects.filter(status=ReviewStatus.PENDING).get().data["fields"]["description"]
        == "Seconde version"
    )


def test_links_expire_and_serve_one_purpose(client, listing):
    link = ask_link(client, listing)
    token = link.rstrip("/").rsplit("/", 1)[1]
    # Another purpose's URL refuses the token.
    assert client.get(f"/fiche-a-jour/{token}/").status_code == 404
    assert client.get(f"/referencer/confirmer/{token}/").status_code == 404
    MagicLink.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(link)
    assert response.status_code == 404
    assert "Ce lien n'est plus valable" in response.content.decode()


def test_only_a_hash_of_the_token_is_stored(client, listing):
    link = ask_link(client, listing)
    token = link.rstrip("/").rsplit("/", 1)[1]
    stored = MagicLink.objects.get()
    assert token not in stored.token_hash and len(stored.token_hash) == 64


def test_link_requests_are_rate_limited(client, listing, settings):
    settings.LINK_REQUESTS_PER_HOUR = 2
    url = f"/prestataires/{listing.slug}/mise-a-jour/"
    client.post(url)
    client.post(url)
    response = client.post(url)
    assert response.status_code == 429
    assert len(mail.outbox) == 2


def test_a_pending_submission_asked_to_change_is_corrected_directly(client, moderator_client):
    client.post("/referencer/", submission_data(started=started()))
    provider = Provider.objects.get()
    client.post(link_in(mail.outbox[0]))  # confirm the address
    mail.outbox.clear()
    moderator_client.post(
        f"/admin/providers/provider/moderation/submission/{provider.pk}/",
        {"decision": "changes", "note": "Ajoutez votre site."},
    )
    link = link_in(sent_to(provider.email)[0])
    client.post(link, edit_data(provider, website="https://nouveau.example"))
    provider.refresh_from_db()
    assert provider.website == "https://nouveau.example"
    assert provider.status == Status.PENDING
    assert provider.changes_requested_at is None
    assert not Revision.objects.exists()


def test_approving_a_submission_publishes_it(client, moderator_client):
    client.post("/referencer/", submission_data(started=started()))
    provider = Provider.objects.get()
    client.post(link_in(mail.outbox[0]))
    mail.outbox.clear()
    moderator_client.post(
        f"/admin/providers/provider/moderation/submission/{provider.pk}/", {"decision": "approve"}
    )
    provider.refresh_from_db()
    assert provider.status == Status.PUBLISHED and provider.published_at is not None
    assert client.get(f"/prestataires/{provider.slug}/").status_code == 200
    assert "acceptée" in sent_to(provider.email)[0].subject


def test_rejecting_a_submission_archives_it_and_says_why(client, moderator_client):
    client.post("/referencer/", submission_data(started=started()))
    provider = Provider.objects.get()
    client.post(link_in(mail.outbox[0]))
    mail.outbox.clear()
    moderator_client.post(
        f"/admin/providers/provider/moderation/submission/{provider.pk}/",
        {"decision": "reject", "note": "Pas d'activité autour du logiciel libre."},
    )
    provider.refresh_from_db()
    assert provider.status == Status.ARCHIVED
    assert "Pas d'activité" in sent_to(provider.email)[0].body


def test_seat_in_another_region_is_not_this_moderators_business(moderator_client):
    elsewhere = ProviderFactory(seat=commune("69123"), status=Status.PENDING)
    response = moderator_client.post(
        f"/admin/providers/provider/moderation/submission/{elsewhere.pk}/",
        {"decision": "approve"},
        follow=True,
    )
    assert "ne relève pas de vos grappes" in response.content.decode()
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.PENDING
