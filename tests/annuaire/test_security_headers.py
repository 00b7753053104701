"""Every response a person or a program gets carries a strict Content-Security-Policy and a
Permissions-Policy, and the pages hold nothing those policies would block (no inline script,
no inline style). Forbidden and expired-form pages are styled French pages."""

import re

import pytest
from django.test import Client

from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(?:ld\+)?json)[^>]*>")
INLINE_STYLE = re.compile(r"<style\b|\sstyle=")


@pytest.fixture
def listing():
    provider = ProviderFactory(name="Libre Évry", seat=commune("91228"))
    OfferingFactory(provider=provider, software=SoftwareFactory(name="Dolibarr"))
    return provider


def assert_policies(response):
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy and "unsafe" not in policy
    features = response["Permissions-Policy"]
    assert "camera=()" in features and "geolocation=()" in features
    assert "microphone=()" in features


PUBLIC_PAGES = [
    "/",
    "/prestataires/",
    "/prestataires/?q=dolibarr&ou=Essonne",
    "/prestataires/libre-evry/",
    "/logiciels/",
    "/logiciels/dolibarr/",
    "/territoires/",
    "/territoires/ile-de-france/essonne/",
    "/territoires/ile-de-france/",
    "/prestataires/?ou=%C3%89vry&rayon=20",
    "/couverture/?region=ile-de-france",
    "/referencer/",
    "/donnees-ouvertes/",
    "/a-propos/",
    "/page-qui-n-existe-pas/",
]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_carry_the_policies_and_nothing_they_would_block(client, listing, url):
    response = client.get(url)
    assert response.status_code in (200, 404)
    assert_policies(response)
    page = response.content.decode()
    assert not INLINE_SCRIPT.search(page), INLINE_SCRIPT.search(page)
    assert not INLINE_STYLE.search(page), page[INLINE_STYLE.search(page).start() - 200 :][:400]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/prestataires/", "/api/prestataires-sill.json", "/robots.txt", "/sitemap.xml"],
)
def test_data_responses_carry_the_policies_too(client, listing, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_policies(response)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/providers/provider/",
        "/admin/providers/provider/moderation/",
        "/admin/providers/provider/{pk}/change/",
        "/admin/providers/provider/{pk}/history/",
        "/admin/double-authentification/",
    ],
)
def test_admin_pages_carry_the_policies_and_our_templates_no_inline_style(
    admin_client, listing, url
):
    response = admin_client.get(url.format(pk=listing.pk))
    assert response.status_code == 200
    assert_policies(response)
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_the_audit_history_list_holds_no_inline_style_the_policy_would_refuse(
    admin_client, listing
):
    listing.description = "Changée"
    listing.save()
    page = admin_client.get(f"/admin/providers/provider/{listing.pk}/history/")
    assert '<p class="paginator">' in page.content.decode()
    assert not INLINE_STYLE.search(page.content.decode())


def test_the_admin_login_carries_the_policies(client):
    response = client.get("/admin/login/")
    assert_policies(response)
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_a_forbidden_page_is_a_styled_french_page(moderator_client):
    response = moderator_client.get("/admin/offerings/servicekind/add/")
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Accès refusé</h1>" in page and 'lang="fr"' in page
    assert_policies(response)


def test_a_form_posted_without_its_security_token_gets_a_styled_french_page():
    response = Client(enforce_csrf_checks=True).post("/referencer/", {"name": "x"})
    assert response.status_code == 403
    page = response.content.decode()
    assert "<h1>Formulaire expiré</h1>" in page
    assert "rechargez-la" in page
    assert_policies(response)
