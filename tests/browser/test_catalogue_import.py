"""A superuser imports the Comptoir du Libre's file in a real browser: the form, the dry run
with its questions, the confirmation, the queue; each page without an axe violation."""

from pathlib import Path

import pytest
from django.db import connection

from providers.models import Provider
from tests.factories import SuperuserFactory

pytestmark = pytest.mark.browser
COMPTOIR = Path(__file__).resolve().parents[1] / "opendata" / "sources" / "comptoir.json"
PASSWORD = "un-mot-de-passe-de-test-42"


@pytest.fixture
def superuser(django_db_blocker, monkeypatch):
    # Playwright's sync API runs an event loop in this thread: Django then refuses ORM
    # calls unless told that this synchronous use is deliberate.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Inside that loop the ORM opens a connection of its own: closed after use, or the test
    # database could not be dropped at the end.
    with django_db_blocker.unblock():
        user = SuperuserFactory(username="import@annuaire.example")
        user.set_password(PASSWORD)
        user.save()
        connection.close()
    yield user
    with django_db_blocker.unblock():
        Provider.objects.filter(provenances__source="comptoir").delete()
        user.delete()
        connection.close()


def test_a_catalogue_import_from_upload_to_the_queue(app_server, page, axe_violations, superuser):
    page.goto(app_server + "/admin/login/")
    page.fill("#id_username", superuser.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.goto(app_server + "/admin/providers/provider/")
    page.get_by_role("link", name="Importer un catalogue national").click()
    assert axe_violations(page) == []

    page.get_by_label("Catalogue :", exact=True).select_option("comptoir")
    page.get_by_label("Fichier JSON du catalogue").set_input_files(COMPTOIR)
    page.get_by_role("button", name="Essai à blanc").click()
    assert page.get_by_role("heading", name="Essai à blanc : rien n'est encore enregistré")
    assert axe_violations(page) == []
    page.get_by_label("Importer quand même « Camille Durand »").check()
    page.get_by_role("button", name="Confirmer l'import").click()

    assert "Import terminé : 2 brouillon(s) créé(s)" in page.content()
    assert page.get_by_role("heading", name="Camille Durand — à classer").count() == 1
    assert axe_violations(page) == []
