"""Bad input never gives a 500, is never reflected unescaped, and the page says what
was ignored."""

import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db

SEARCH = "/prestataires/"
NASTY_TEXTS = [
    "<script>alert(1)</script>",
    "'; DROP TABLE providers_provider; --",
    '" OR 1=1 --',
    "a & b | !c :* () <-> 'x'",
    "\x00\x01\x02nul\x7f",
    "\u202e\u200bzero width",
    "%00%ff",
    "((((((((((",
    "🙂 émoji ☃",
    "a" * 10_000,
    " ".join(["mot"] * 2_000),
]


@pytest.mark.parametrize("text", NASTY_TEXTS)
@pytest.mark.parametrize("field", ["q", "ou"])
def test_nasty_text_in_search_fields(client, field, text):
    response = client.get(SEARCH, {field: text})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script>alert(1)</script>" not in page
    assert Provider.objects.count() >= 0  # the table is still there


def test_html_is_escaped_where_it_is_shown(client):
    page = client.get(SEARCH, {"q": "<b>gras</b>", "ou": "<i>x</i>"}).content.decode()
    assert "&lt;b&gt;gras&lt;/b&gt;" in page
    assert "<b>gras</b>" not in page and "<i>x</i>" not in page


def test_overlong_query_is_truncated_and_said(client):
    response = client.get(SEARCH, {"q": "dolibarr " * 2000})
    assert "Texte trop long, réduit à 200 caractères." in response.content.decode()


@pytest.mark.parametrize(
    ("params", "notice"),
    [
        ({"logiciel": "inconnu"}, "Valeur inconnue ignorée : logiciel=« inconnu »."),
        ({"service": "<script>"}, "Valeur inconnue ignorée : service=« &lt;script&gt; »."),
        ({"region": "atlantide"}, "Valeur inconnue ignorée : region=« atlantide »."),
        ({"effectif": "99"}, "Valeur inconnue ignorée : effectif=« 99 »."),
        ({"tri": "prix"}, "Tri inconnu ignoré."),
        ({"foo": "bar"}, "Paramètre inconnu ignoré : « foo »."),
        ({"page": "abc"}, "Numéro de page invalide : première page affichée."),
        ({"page": "-3"}, "Numéro de page invalide : première page affichée."),
        ({"page": "99999999999999"}, "Numéro de page invalide : première page affichée."),
        ({"page": "500"}, "La page 500 n&#x27;existe pas : dernière page affichée."),
        ({"par_page": "5000"}, "Nombre de résultats par page inconnu : 20 utilisé."),
        ({"ou": "Atlantide-sur-Mer"}, "Lieu « Atlantide-sur-Mer » introuvable"),
    ],
)
def test_ignored_input_is_explained(client, params, notice):
    response = client.get(SEARCH, params)
    assert response.status_code == 200
    assert notice in response.content.decode()


def test_repeated_parameters(client):
    response = client.get(
        SEARCH + "?q=a&q=b&ou=Paris&ou=Lyon&tri=nom&tri=x&page=1&page=2&local=on&local=off"
    )
    assert response.status_code == 200


def test_hundreds_of_filter_values(client):
    response = client.get(SEARCH, {"logiciel": [f"x{index}" for index in range(900)]})
    assert response.status_code == 200


def test_too_many_parameters_is_a_clear_400(client):
    response = client.get(SEARCH, {"logiciel": [f"x{index}" for index in range(3000)]})
    assert response.status_code == 400
    assert "Requête invalide" in response.content.decode()


def test_invalid_percent_encoding(client):
    assert client.get(SEARCH + "?q=%ff%fe%&ou=%E9vry").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/prestataires/%00/",
        "/prestataires/" + "a" * 5000 + "/",
        "/logiciels/%3Cscript%3E/",
        "/territoires/%00/",
        "/territoires/ile-de-france/" + "x" * 3000 + "/",
        "/territoires/intercommunalite/..%2F..%2Fetc/",
    ],
)
def test_strange_urls_are_404(client, url):
    assert client.get(url).status_code == 404


def test_only_get_and_head_are_allowed_on_public_pages(client):
    assert client.post(SEARCH, {"q": "x"}).status_code in (403, 405)
    assert client.head(SEARCH).status_code == 200


def test_provider_back_link_cannot_inject_html(client):
    from tests.factories import ProviderFactory

    ProviderFactory(slug="retour")
    page = client.get("/prestataires/retour/", {"retour": '"><script>alert(1)</script>'}).content
    assert b"<script>alert(1)</script>" not in page


@pytest.mark.parametrize(
    "params", [{"page": "²"}, {"par_page": "²"}, {"page": "1²"}, {"page": "٣"}]
)
def test_unicode_digits_are_not_page_numbers(client, params):
    assert client.get(SEARCH, params).status_code == 200
