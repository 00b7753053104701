"""« Référencer mon entreprise »: a provider proposes a listing; it waits, confirmed,
for moderators; nothing is published directly; spam and bad input are refused."""

import pytest
from django.core import mail
from django.test import Client

from providers.models import Provider, Status
from tests.curation_helpers import link_in, sent_to, started, submission_data
from tests.factories import ProviderFactory, commune

pytestmark = pytest.mark.django_db
URL = "/referencer/"


def post(client, **overrides):
    return client.post(URL, submission_data(**overrides))


def test_the_form_is_labelled_and_works_without_javascript(client):
    page = client.get(URL).content.decode()
    for label in (
        "Raison sociale ou nom commercial",
        "SIREN",
        "Commune du siège",
        "Zones d&#x27;intervention",
        "Logiciel",
        "Services",
    ):
        assert label in page
    assert 'class="honeypot"' in page
    assert page.count('name="offres-') >= 9  # three empty offering rows
    assert "csrfmiddlewaretoken" in page


def test_a_provider_lists_itself_and_waits_for_moderation(client, idf_moderator):
    response = post(client)
    assert response.status_code == 302
    assert response["Location"] == "/referencer/merci/"
    provider = Provider.objects.get(siren="552100554")
    assert provider.status == Status.PENDING
    assert provider.email_confirmed_at is None
    assert provider.cluster.name == "Grappe IDF"
    assert provider.seat.code == "91228"
    assert {area.name for area in provider.service_areas.all()} == {"Essonne", "Seine-et-Marne"}
    offering = provider.offerings.get()
    assert offering.software.name == "Dolibarr"
    assert {kind.slug for kind in offering.service_kinds.all()} == {"installation", "formation"}
    # Not public, not searchable.
    assert client.get(f"/prestataires/{provider.slug}/").status_code == 404
    assert (
        "Gestion Libre" not in client.get("/prestataires/", {"q": "gestion libre"}).content.decode()
    )
    # The submitter is asked to confirm; moderators hear nothing yet.
    (ack,) = mail.outbox
    assert ack.to == ["contact@gestion-libre-evry.example"]
    assert "Confirmez votre demande" in ack.subject
    assert not sent_to("modo@idf.example")


def test_moderators_see_a_submission_only_once_its_address_is_confirmed(client, idf_moderator):
    post(client)
    provider = Provider.objects.get(siren="552100554")
    moderator = Client()
    moderator.force_login(idf_moderator)
    assert moderator.get(f"/admin/providers/provider/{provider.pk}/change/").status_code == 404
    assert (
        "Gestion Libre Évry"
        not in moderator.get("/admin/providers/provider/moderation/").content.decode()
    )

    confirm = link_in(mail.outbox[0])
    page = client.get(confirm)
    assert page.status_code == 200 and "Je confirme ma demande" in page.content.decode()
    provider.refresh_from_db()
    assert provider.email_confirmed_at is None  # opening the link spends nothing
    assert client.post(confirm).status_code == 200
    provider.refresh_from_db()
    assert provider.email_confirmed_at is not None
    (notice,) = sent_to("modo@idf.example")
    assert "Nouvelle demande de référencement" in notice.subject
    assert "grappe@idf.example" in notice.to
    queue = moderator.get("/admin/providers/provider/moderation/").content.decode()
    assert "Gestion Libre Évry" in queue
    # The link cannot be replayed.
    again = client.post(confirm)
    assert again.status_code == 404
    assert "Ce lien n'est plus valable" in again.content.decode()


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"siren": "123456789"}, "clé de contrôle est fausse"),
        ({"siren": "12345"}, "exactement 9 chiffres"),
        ({"siren": ""}, "Ce champ est obligatoire"),
        ({"seat_text": "Atlantide"}, "Commune inconnue : « Atlantide »"),
        ({"seat_text": "Evri-Courcouronnes"}, "Vouliez-vous dire « Évry-Courcouronnes (91) »"),
        ({"seat_text": "Essonne"}, "Commune inconnue : « Essonne »"),
        ({"seat_text": "Saint-Denis"}, "« Saint-Denis » est ambigu"),
        ({"areas_text": "Narnia", "serves_whole_country": None}, "Lieu inconnu : « Narnia »"),
        ({"areas_text": ""}, "Indiquez au moins une zone d&#x27;intervention"),
        ({"email": "pas-une-adresse"}, "adresse de courriel valide"),
        ({"website": "javascript:alert(1)"}, "Saisissez une URL valide"),
        ({"year_founded": "3000"}, "entre 1800 et"),
        ({"offres-0-software": ""}, "Choisissez le logiciel concerné"),
        ({"offres-0-service_kinds": []}, "Cochez au moins un service pour ce logiciel"),
    ],
)
def test_invalid_input_is_explained_next_to_the_field_and_kept(client, overrides, field_message):
    response = post(client, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert field_message in page
    assert 'aria-invalid="true"' in page
    assert "Le formulaire contient des erreurs" in page
    assert 'value="Gestion Libre Évry"' in page  # what was typed is kept
    assert not Provider.objects.exists()
    assert not mail.outbox


def test_a_submission_needs_at_least_one_offering(client):
    response = post(
        client,
        **{"offres-0-software": "", "offres-0-service_kinds": [], "offres-0-description": ""},
    )
    assert "Indiquez au moins une offre" in response.content.decode()
    assert not Provider.objects.exists()


def test_the_same_siren_twice_is_refused_clearly(client):
    existing = ProviderFactory(name="Déjà là", siren="552100554")
    response = post(client)
    assert "Un prestataire avec ce SIREN existe déjà." in response.content.decode()
    assert list(Provider.objects.all()) == [existing]


def test_likely_duplicates_are_shown_before_sending(client):
    ProviderFactory(name="Autre nom", website="https://www.gestion-libre-evry.example/accueil")
    ProviderFactory(name="Gestion Libre Evry SARL", seat=commune("91377"))
    response = post(client)
    page = response.content.decode()
    assert "Cette entreprise est peut-être déjà référencée" in page
    assert "même site web" in page and "nom très proche, même département" in page
    assert Provider.objects.count() == 2
    response = post(client, confirm_not_duplicate="on")
    assert response.status_code == 302
    assert Provider.objects.count() == 3


def test_honeypot_blocks_robots_and_keeps_the_data(client):
    response = post(client, nickname="http://spam.example")
    page = response.content.decode()
    assert "filtre anti-spam" in page
    assert 'value="Gestion Libre Évry"' in page
    assert not Provider.objects.exists()


def test_a_form_sent_too_fast_is_refused_and_kept(client):
    response = post(client, started=started(seconds_ago=0))
    assert "Envoi trop rapide" in response.content.decode()
    assert not Provider.objects.exists()


def test_a_forged_timestamp_is_refused(client):
    response = post(client, started="1700000000:forged")
    assert "Le formulaire a expiré" in response.content.decode()


def test_submissions_are_rate_limited_per_address(client, settings):
    settings.SUBMISSIONS_PER_HOUR = 2
    for _ in range(2):
        post(client, siren="")  # invalid: counted anyway
    response = post(client)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Trop d&#x27;envois" in page and 'value="Gestion Libre Évry"' in page
    assert not Provider.objects.exists()
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert other.post(URL, submission_data()).status_code == 302


def test_adding_an_offering_row_without_javascript(client):
    data = submission_data()
    data["ajouter_ligne"] = "1"
    response = client.post(URL, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="offres-TOTAL_FORMS" value="4"' in page
    assert "Offre 4" in page
    assert "Le formulaire contient des erreurs" not in page
    assert not Provider.objects.exists()


def test_forms_require_csrf(client):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(URL, submission_data()).status_code == 403
    assert not Provider.objects.exists()


def test_the_submitters_address_is_not_published_unless_chosen(client):
    post(client, show_email=None)
    provider = Provider.objects.get()
    Provider.objects.filter(pk=provider.pk).update(status=Status.PUBLISHED)
    page = client.get(f"/prestataires/{provider.slug}/").content.decode()
    assert "contact@gestion-libre-evry.example" not in page
