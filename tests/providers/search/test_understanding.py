"""A shop owner types what she needs, the product she wants to leave, or the need and her
town in one box, and finds the providers of the right free software; the page says how
it read her words, and offers to read them word by word instead.

Runs on PostgreSQL and SQLite alike (see .ci/run)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from offerings.models import Need, ReplacedProduct, Software, SoftwareCategory
from tests.factories import OfferingFactory, ProviderFactory, SoftwareFactory, commune

pytestmark = pytest.mark.django_db
URL = "/prestataires/"


def names(response):
    return [provider.name for provider in response.context["page"].object_list]


def text(response):
    """What a person reads: the page without its tags, spaces folded."""
    return " ".join(strip_tags(response.content.decode()).split())


def html(response):
    return " ".join(response.content.decode().split())


@pytest.fixture
def catalogue():
    """Four programs, what they are for and what they replace, and their providers."""
    dolibarr = SoftwareFactory(name="Dolibarr", category=SoftwareCategory.ERP_CRM)
    jitsi = SoftwareFactory(name="Jitsi Meet", category=SoftwareCategory.VIDEOCONFERENCE)
    bbb = SoftwareFactory(name="BigBlueButton", category=SoftwareCategory.VIDEOCONFERENCE)
    wordpress = SoftwareFactory(name="WordPress", category=SoftwareCategory.CMS)
    nextcloud = SoftwareFactory(name="Nextcloud", category=SoftwareCategory.FILES)
    libreoffice = SoftwareFactory(name="LibreOffice", category=SoftwareCategory.OFFICE)
    invoicing = Need.objects.create(
        name="Facturer", aliases="facturation\nfaire ses factures", on_home=True
    )
    meetings = Need.objects.create(name="Réunion à distance", aliases="visio", on_home=True)
    dolibarr.needs.add(invoicing)
    jitsi.needs.add(meetings)
    bbb.needs.add(meetings)
    zoom = ReplacedProduct.objects.create(name="Zoom", on_home=True)
    word = ReplacedProduct.objects.create(name="Microsoft Word", aliases="Word")
    excel = ReplacedProduct.objects.create(name="Microsoft Excel", aliases="Excel", on_home=True)
    jitsi.replaces.add(zoom)
    bbb.replaces.add(zoom)
    libreoffice.replaces.add(word, excel)
    dolibarr.replaces.add(excel)
    lyon, evry = commune("69123"), commune("91228")
    providers = {
        "Facture Lyonnaise": (lyon, dolibarr),
        "Gestion Évry": (evry, dolibarr),
        "Visio Lyon": (lyon, jitsi),
        "Classe Virtuelle Évry": (evry, bbb),
        "Sites Presse Lyon": (lyon, wordpress),
        "Nuage Lyon": (lyon, nextcloud),
        "Bureau Libre Évry": (evry, libreoffice),
    }
    for name, (seat, software) in providers.items():
        OfferingFactory(provider=ProviderFactory(name=name, seat=seat), software=software)


def test_a_product_to_leave_brings_the_providers_of_its_free_equivalents(client, catalogue):
    response = client.get(URL, {"q": "Zoom"})
    assert names(response) == ["Classe Virtuelle Évry", "Visio Lyon"]
    page = text(response)
    assert "Zoom → logiciels libres équivalents : BigBlueButton (1), Jitsi Meet (1)" in page
    assert "Chercher plutôt « Zoom » mot à mot" in page
    literal = client.get(URL, {"q": "Zoom", "litteral": "on"})
    assert names(literal) == []
    assert "Mots pris tels quels" in text(literal)


def test_a_need_in_the_words_of_a_shop_owner_finds_the_programs_that_serve_it(client, catalogue):
    for typed in ("facturation", "Facturer", "je cherche un logiciel pour faire mes factures"):
        response = client.get(URL, {"q": typed})
        assert names(response) == ["Facture Lyonnaise", "Gestion Évry"], typed
    assert "logiciels pour « Facturer » : Dolibarr (2)" in text(response)


def test_a_category_or_its_abbreviation_is_understood(client, catalogue):
    assert names(client.get(URL, {"q": "ERP"})) == ["Facture Lyonnaise", "Gestion Évry"]
    assert names(client.get(URL, {"q": "CMS"})) == ["Sites Presse Lyon"]
    assert "CMS → Site web et CMS : WordPress (1)" in text(client.get(URL, {"q": "CMS"}))


def test_programs_without_a_provider_here_are_named_without_a_link(client, catalogue):
    SoftwareFactory(name="Galène").replaces.add(ReplacedProduct.objects.get(name="Zoom"))
    page = html(client.get(URL, {"q": "Zoom"}))
    assert "Galène" in page and "Galène</a>" not in page
    assert "Jitsi Meet</a> (1)" in page


def test_a_whole_known_name_is_not_the_prefix_of_another(client, catalogue):
    word = client.get(URL, {"q": "Word"})
    assert names(word) == ["Bureau Libre Évry"]  # LibreOffice, not WordPress
    assert "Sites Presse Lyon" not in names(word)
    assert names(client.get(URL, {"q": "nextcl"})) == ["Nuage Lyon"]  # unfinished: a prefix
    assert names(client.get(URL, {"q": "wordpr"})) == ["Sites Presse Lyon"]


def test_alternative_a_and_remplacer_are_fillers(client, catalogue):
    expected = ["Bureau Libre Évry", "Facture Lyonnaise", "Gestion Évry"]
    for typed in ("remplacer Excel", "alternative à Excel", "Excel"):
        assert sorted(names(client.get(URL, {"q": typed}))) == expected, typed


def test_a_misspelt_need_or_product_is_still_understood(client, catalogue):
    assert names(client.get(URL, {"q": "factuation"})) == ["Facture Lyonnaise", "Gestion Évry"]
    assert names(client.get(URL, {"q": "zoum"})) == ["Classe Virtuelle Évry", "Visio Lyon"]


def test_need_and_town_in_one_box_give_what_the_two_boxes_give(client, catalogue):
    one_box = client.get(URL, {"q": "facturation lyon"})
    two_boxes = client.get(URL, {"q": "facturation", "ou": "Lyon"})
    assert names(one_box) == names(two_boxes) == ["Facture Lyonnaise"]
    page = text(one_box)
    assert "Lieu compris : Lyon (69)" in page
    assert "Chercher plutôt « facturation lyon » mot à mot" in page
    # The boxes now say what was understood, and the chips can remove each part.
    assert one_box.context["filterset"].data["ou"] == "Lyon (69)"
    assert one_box.context["filterset"].data["q"] == "facturation"
    assert {chip["label"] for chip in one_box.context["chips"]} >= {
        "Recherche : facturation",
        "Lieu : Lyon (69)",
    }
    # The words tying the need to the place go with the place.
    linked = client.get(URL, {"q": "remplacer Zoom à Lyon"})
    assert linked.context["filterset"].data["q"] == "remplacer Zoom"
    assert names(linked) == ["Visio Lyon"]
    # The place may come first, and a software name works as well as a need.
    assert names(client.get(URL, {"q": "lyon nextcloud"})) == ["Nuage Lyon"]
    assert names(client.get(URL, {"q": "nextcloud près de lyon"})) == ["Nuage Lyon"]


def test_a_place_is_not_taken_from_the_text_when_ou_is_filled_or_words_are_literal(
    client, catalogue
):
    response = client.get(URL, {"q": "nextcloud lyon", "ou": "Évry"})
    assert response.context["place"].territory.name == "Évry-Courcouronnes"
    assert names(response) == []  # « lyon » is then a word: no Nextcloud provider in Évry
    literal = client.get(URL, {"q": "nextcloud lyon", "litteral": "on"})
    assert literal.context["place"].territory is None
    assert names(literal) == ["Nuage Lyon"]  # words: Nextcloud, and the seat Lyon


def test_an_ambiguous_place_in_the_text_is_asked_about(client, catalogue):
    response = client.get(URL, {"q": "nextcloud saint-denis"})
    page = text(response)
    assert "Plusieurs lieux correspondent à « saint-denis »" in page
    choices = [str(choice["territory"]) for choice in response.context["place_choices"]]
    assert "Saint-Denis (93)" in choices and "Saint-Denis (974)" in choices


def test_words_that_are_not_places_stay_words(client, catalogue):
    for typed in ("logiciel de facturation", "site internet", "gestion des stocks"):
        response = client.get(URL, {"q": typed})
        assert response.context["place"].territory is None, typed


def test_other_filters_still_apply_to_an_understood_need(client, catalogue):
    response = client.get(URL, {"q": "visio", "ou": "Évry"})
    assert names(response)[0] == "Classe Virtuelle Évry"
    assert "Visio Lyon" not in names(response)


def test_the_api_reads_the_query_the_same_way_and_says_so(client, catalogue):
    data = client.get("/api/v1/prestataires/", {"q": "zoom lyon"}).json()
    assert [item["nom"] for item in data["resultats"]] == ["Visio Lyon"]
    assert data["lieu"]["libelle"] == "Lyon (69)"
    reading = data["lecture"]
    assert reading["lieu_compris"] == "Lyon (69)"
    [concept] = reading["concepts"]
    assert concept["texte"] == "zoom" and concept["types"] == ["produit"]
    assert [item["nom"] for item in concept["logiciels"]] == ["BigBlueButton", "Jitsi Meet"]
    literal = client.get(reading["mot_a_mot"]).json()
    assert literal["lecture"] is None and literal["resultats"] == []
    assert client.get("/api/v1/prestataires/", {"q": "nextcloud"}).json()["lecture"] is None


def test_home_page_offers_an_entry_by_need_and_by_product(client, catalogue):
    page = html(client.get("/"))
    assert "Vous cherchez un logiciel pour…" in page
    assert '<a href="/prestataires/?q=Facturer">Facturer</a>' in page
    assert "Vous utilisez " in page and "?q=Zoom" in page and "?q=Microsoft%20Excel" in page


def test_software_page_shows_needs_and_replaced_products(client, catalogue):
    page = html(client.get("/logiciels/jitsi-meet/"))
    assert '<a href="/prestataires/?q=R%C3%A9union%20%C3%A0%20distance">Réunion à distance</a>' in (
        page
    )
    assert '<a href="/prestataires/?q=Zoom">Zoom</a>' in page


def test_reading_the_query_adds_no_query_per_result(client, catalogue, uncached_pages):
    def count(params):
        client.get(URL, params)  # warm the caches (lexicon, vocabulary, place names)
        with CaptureQueriesContext(connection) as queries:
            client.get(URL, params)
        return len(queries)

    assert count({"q": "facturation lyon", "par_page": 20}) == count(
        {"q": "facturation lyon", "par_page": 100}
    )
    assert count({"q": "facturation lyon"}) <= 10
    assert count({"q": "zoom"}) <= 10


@pytest.mark.parametrize(
    ("typed", "place", "rest"),
    [
        ("nextcloud gers", "Gers (32)", "nextcloud"),  # « gers » is also « gérer »'s stem
        ("glpi la réunion", "La Réunion (974)", "glpi"),
        ("nextcloud près d'Évry", "Évry-Courcouronnes (91)", "nextcloud"),
        ("nextcloud au Mans", "Le Mans (72)", "nextcloud"),
        ("Lyon (69) nextcloud", "Lyon (69)", "nextcloud"),
        ("facturation 69001", "Lyon (69)", "facturation"),
    ],
)
def test_places_are_read_the_way_people_write_them(client, catalogue, typed, place, rest):
    data = client.get(URL, {"q": typed}).context["filterset"].data
    assert (data["ou"], data["q"]) == (place, rest)


@pytest.mark.parametrize(
    "typed", ["marchés publics", "logiciel pour l'école", "gestion du bois", "plan de formation"]
)
def test_common_words_that_name_a_small_commune_stay_words(client, catalogue, typed):
    assert client.get(URL, {"q": typed}).context["place"].territory is None


def test_a_need_and_a_service_apply_to_one_and_the_same_offering(client, catalogue):
    both = ProviderFactory(name="Dolibarr et formation Nextcloud", seat=commune("69123"))
    OfferingFactory(provider=both, software=Software.objects.get(name="Dolibarr"))
    OfferingFactory(
        provider=both, software=Software.objects.get(name="Nextcloud"), kinds=["formation"]
    )
    trainer = ProviderFactory(name="Formation Dolibarr", seat=commune("69123"))
    OfferingFactory(
        provider=trainer, software=Software.objects.get(name="Dolibarr"), kinds=["formation"]
    )
    response = client.get(URL, {"q": "facturation", "service": "formation"})
    assert names(response) == ["Formation Dolibarr"]


def test_a_need_edited_in_the_admin_is_searched_once_saved(
    client, catalogue, django_capture_on_commit_callbacks
):
    assert names(client.get(URL, {"q": "devis"})) == []
    with django_capture_on_commit_callbacks(execute=True):
        need = Need.objects.get(name="Facturer")
        need.aliases += "\ndevis"
        need.save()
    assert names(client.get(URL, {"q": "devis"})) == ["Facture Lyonnaise", "Gestion Évry"]
