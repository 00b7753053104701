"""The admin login resists guessing: after a few wrong passwords for an account from one
address (or from one address whatever the account), logins from there are refused for a
while, even with the right password; a superuser can lift the lock."""

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"


def log_in(client, username, password=PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(idf_moderator):
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(30):
        log_in(attacker, idf_moderator.username, "mauvais")
    response = log_in(attacker, idf_moderator.username)
    page = response.content.decode()
    assert response.status_code == 429
    assert "<h1>Connexion suspendue</h1>" in page and "15 minutes" in page
    assert "_auth_user_id" not in attacker.session
    # The moderator, from their own address, still gets in.
    assert log_in(Client(REMOTE_ADDR="198.51.100.4"), idf_moderator.username).status_code == 302


def test_a_few_typos_then_the_right_password_logs_in(idf_moderator):
    client = Client(REMOTE_ADDR="198.51.100.4")
    for _ in range(3):
        assert log_in(client, idf_moderator.username, "typo").status_code == 200
    assert log_in(client, idf_moderator.username).status_code == 302


def test_one_address_trying_many_accounts_is_locked_out_too(idf_moderator):
    attacker = Client(REMOTE_ADDR="203.0.113.8")
    for number in range(6):
        log_in(attacker, f"inconnu{number}@example.org", "mauvais")
    assert log_in(attacker, idf_moderator.username).status_code == 429


def test_a_superuser_lifts_the_lock(idf_moderator):
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(5):
        log_in(client, idf_moderator.username, "mauvais")
    assert log_in(client, idf_moderator.username).status_code == 429
    call_command("axes_reset_ip", "203.0.113.9", verbosity=0)
    assert log_in(client, idf_moderator.username).status_code == 302
