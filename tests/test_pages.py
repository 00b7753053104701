import pytest

from .factories import ProviderFactory

pytestmark = pytest.mark.django_db


def test_home_page_is_french_accessible_and_counts_published_providers(client):
    ProviderFactory.create_batch(2)
    ProviderFactory(status="pending")
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in page
    assert 'href="#contenu"' in page and 'id="contenu"' in page
    assert "<main" in page and "<header" in page and "<footer" in page
    assert "2 prestataires publiés" in page


def test_no_third_party_asset_is_referenced(client):
    page = client.get("/").content.decode()
    for marker in ("cdn.", "googleapis", "gstatic", "unpkg", "jsdelivr", "cloudflare"):
        assert marker not in page
