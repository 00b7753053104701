"""Moderators may add a second factor: after activating it on « Double authentification »,
their login asks for the code of their authenticator app; without it, only the password."""

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PAGE = "/admin/double-authentification/"


def code(device):
    """What the moderator's app shows now."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def activate(client):
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "<title>QR code à scanner" in html
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(PAGE, {"token": code(device)}, follow=True)
    assert "Double authentification activée" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_without_a_second_factor_the_password_is_enough(idf_moderator):
    client = Client()
    page = client.get(LOGIN).content.decode()
    assert "Code de double authentification" in page
    assert (
        client.post(LOGIN, {"username": idf_moderator.username, "password": PASSWORD}).status_code
        == 302
    )


def test_once_activated_the_login_asks_for_a_valid_code(moderator_client, idf_moderator):
    assert "Double authentification" in moderator_client.get("/admin/").content.decode()
    device = activate(moderator_client)
    client = Client()
    response = client.post(LOGIN, {"username": idf_moderator.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "saisissez le code à 6 chiffres" in response.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = client.post(
        LOGIN, {"username": idf_moderator.username, "password": PASSWORD, "otp_token": "000000"}
    )
    assert wrong.status_code == 200 and "_auth_user_id" not in client.session
    device.refresh_from_db()
    device.throttling_failure_count = 0  # django-otp slows down repeated failures
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    response = client.post(
        LOGIN,
        {"username": idf_moderator.username, "password": PASSWORD, "otp_token": code(device)},
    )
    assert response.status_code == 302
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_wrong_password_never_reveals_whether_a_code_is_asked(moderator_client, idf_moderator):
    activate(moderator_client)
    response = Client().post(LOGIN, {"username": idf_moderator.username, "password": "mauvais"})
    assert "code à 6 chiffres" not in response.content.decode()


def test_deactivating_needs_a_current_code(moderator_client):
    device = activate(moderator_client)
    device.last_t = -1
    device.save()
    refused = moderator_client.post(PAGE, {"token": "123456"})
    assert "Code incorrect" in refused.content.decode()
    assert TOTPDevice.objects.filter(confirmed=True).exists()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    response = moderator_client.post(PAGE, {"token": code(device)}, follow=True)
    assert "Double authentification désactivée" in response.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_the_page_is_for_staff_only(client):
    assert client.get(PAGE).status_code == 302  # to the login page
