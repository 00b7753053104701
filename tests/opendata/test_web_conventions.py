"""The web's conventions, as search engines, feed readers and link previews see them:
sitemap.xml, robots.txt, Atom feeds, OpenGraph/Twitter/canonical tags and schema.org
JSON-LD."""

import datetime
import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest

from offerings.models import Software
from providers.models import Provider, Status
from territories.models import Level, Territory
from tests.factories import OfferingFactory, ProviderFactory, commune

pytestmark = pytest.mark.django_db

SERVER = "http://testserver"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"


def absolute(path):
    return f"{SERVER}{path}"


def xml(response, content_type):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith(content_type), response["Content-Type"]
    return ET.fromstring(response.content)


class Head(HTMLParser):
    """What a crawler reads in a page: title, meta and link tags, JSON-LD blocks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.meta = {}
        self.links = {}
        self.json_ld = []
        self._in = None
        self._in_svg = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "svg":  # a map's <title> elements name its drawing, not the page
            self._in_svg = True
        elif tag == "title" and not self._in_svg:
            self._in = "title"
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            key = attrs.get("property") or attrs.get("name")
            assert key not in self.meta, f"duplicate <meta> {key}"
            self.meta[key] = attrs.get("content")
        elif tag == "link":
            self.links.setdefault(attrs.get("rel"), []).append(attrs)
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in = "json-ld"
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "svg":
            self._in_svg = False
        if tag in ("title", "script"):
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "json-ld":
            self.json_ld[-1] += data


def head(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = Head()
    parser.feed(response.content.decode())
    return parser


def structured_data(client, url):
    page = head(client, url)
    assert len(page.json_ld) == 1, url
    return json.loads(page.json_ld[0])


# sitemap.xml and robots.txt ---------------------------------------------------------------


def sitemap_sections(client):
    index = xml(client.get("/sitemap.xml"), "application/xml")
    assert index.tag == f"{SITEMAP}sitemapindex"
    return [loc.text for loc in index.iter(f"{SITEMAP}loc")]


def section_urls(client, loc):
    assert loc.startswith(SERVER)
    urlset = xml(client.get(loc.removeprefix(SERVER)), "application/xml")
    assert urlset.tag == f"{SITEMAP}urlset"
    return [url.findtext(f"{SITEMAP}loc") for url in urlset.iter(f"{SITEMAP}url")]


def test_sitemap_is_an_index_of_providers_software_and_territories(client, demo_data):
    assert sitemap_sections(client) == [
        absolute("/sitemap-prestataires.xml"),
        absolute("/sitemap-logiciels.xml"),
        absolute("/sitemap-territoires.xml"),
    ]


def test_sitemap_lists_every_published_provider_and_no_other(client, demo_data):
    hidden = ProviderFactory(name="Site Injoignable", hidden_unreachable=True)
    draft = ProviderFactory(name="Brouillon Factice", status=Status.DRAFT)
    response = client.get("/sitemap-prestataires.xml")
    urls = section_urls(client, absolute("/sitemap-prestataires.xml"))
    expected = {absolute(provider.get_absolute_url()) for provider in Provider.objects.published()}
    assert len(urls) == len(set(urls)) == len(expected) == 65
    assert set(urls) == expected
    for slug in ("ancienne-societe-libre", "brouillon-libre-conseil", "essonne-nuage-en-projet"):
        assert absolute(f"/prestataires/{slug}/") not in urls
    assert absolute(hidden.get_absolute_url()) not in urls
    assert absolute(draft.get_absolute_url()) not in urls
    # Each provider URL carries its last modification date.
    urlset = ET.fromstring(response.content)
    lastmods = [url.findtext(f"{SITEMAP}lastmod") for url in urlset.iter(f"{SITEMAP}url")]
    assert all(lastmods)
    for lastmod in lastmods:
        datetime.date.fromisoformat(lastmod[:10])


def test_sitemap_lists_every_software_page(client, demo_data):
    urls = section_urls(client, absolute("/sitemap-logiciels.xml"))
    assert sorted(urls) == sorted(
        absolute(software.get_absolute_url()) for software in Software.objects.all()
    )
    assert absolute("/logiciels/dolibarr/") in urls
    for url in urls[:3]:
        assert client.get(url.removeprefix(SERVER)).status_code == 200


def test_sitemap_lists_regions_departements_epci_and_communes_with_a_provider(client, demo_data):
    ProviderFactory(name="Ouessant Libre", seat=commune("29155"))
    ProviderFactory(name="Brouillon Bréhat", seat=commune("22016"), status=Status.DRAFT)
    urls = section_urls(client, absolute("/sitemap-territoires.xml"))
    assert len(urls) == len(set(urls))
    assert absolute("/territoires/ile-de-france/") in urls
    assert absolute("/territoires/ile-de-france/essonne/") in urls
    assert (
        absolute("/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/") in urls
    )
    assert absolute("/territoires/ile-de-france/essonne/evry-courcouronnes-91228/") in urls

    current = Territory.objects.current().select_related("region", "departement")
    larger = current.filter(level__in=[Level.REGION, Level.DEPARTEMENT, Level.EPCI])
    seats = current.filter(level=Level.COMMUNE, seated_providers__in=Provider.objects.published())
    expected = {absolute(place.get_absolute_url()) for place in [*larger, *seats.distinct()]}
    assert set(urls) == expected
    assert len([url for url in urls if url.count("/") == 5]) == 18  # régions

    ouessant = current.get(level=Level.COMMUNE, code="29155")
    brehat = current.get(level=Level.COMMUNE, code="22016")
    assert absolute(ouessant.get_absolute_url()) in urls
    assert absolute(brehat.get_absolute_url()) not in urls  # only a draft is seated there
    # A sample of the listed pages exists.
    for url in urls[:: len(urls) // 12]:
        assert client.get(url.removeprefix(SERVER)).status_code == 200, url


def test_robots_txt_keeps_crawlers_out_of_private_pages_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /admin/" in lines
    assert "Disallow: /mon-entreprise/" in lines
    assert f"Sitemap: {SERVER}/sitemap.xml" in lines
    assert "Disallow: /" not in lines  # the public directory stays crawlable
    assert client.get("/sitemap.xml").status_code == 200


# Atom feeds --------------------------------------------------------------------------------


def feed_entries(client, url):
    """[(link, published)] of a feed, in document order."""
    root = xml(client.get(url), "application/atom+xml")
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title")
    assert root.find(f"{ATOM}link").get("href").startswith(SERVER)
    entries = []
    for entry in root.findall(f"{ATOM}entry"):
        assert entry.findtext(f"{ATOM}title")
        assert entry.findtext(f"{ATOM}id")
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(f"{SERVER}/prestataires/")
        entries.append((link, datetime.datetime.fromisoformat(entry.findtext(f"{ATOM}published"))))
    return entries


def newest_first(providers):
    return [
        absolute(provider.get_absolute_url())
        for provider in providers.exclude(published_at=None).order_by("-published_at", "-pk")[:50]
    ]


@pytest.fixture
def fresh_listings():
    """A provider just published in Essonne offering Dolibarr, and some that must not show."""
    dolibarr = Software.objects.get(slug="dolibarr")
    fresh = ProviderFactory(name="Tout Nouveau Libre")
    OfferingFactory(provider=fresh, software=dolibarr)
    for status in (Status.DRAFT, Status.PENDING, Status.ARCHIVED):
        OfferingFactory(
            provider=ProviderFactory(name=f"Pas publié {status}", status=status), software=dolibarr
        )
    OfferingFactory(
        provider=ProviderFactory(name="Site Injoignable", hidden_unreachable=True),
        software=dolibarr,
    )
    return fresh


def test_feed_of_new_providers_is_newest_first_and_published_only(
    client, demo_data, fresh_listings
):
    entries = feed_entries(client, "/flux/prestataires.atom")
    links = [link for link, _ in entries]
    assert links[0] == absolute(fresh_listings.get_absolute_url())
    assert links == newest_first(Provider.objects.published())
    assert len(links) == 50
    dates = [published for _, published in entries]
    assert dates == sorted(dates, reverse=True)
    public = {absolute(p.get_absolute_url()) for p in Provider.objects.published()}
    assert set(links) <= public


def test_feed_per_region_has_the_providers_seated_there(client, demo_data, fresh_listings):
    region = Territory.objects.regions().get(slug="ile-de-france")
    links = [link for link, _ in feed_entries(client, "/flux/regions/ile-de-france.atom")]
    assert links == newest_first(Provider.objects.published().located_in(region))
    assert links[0] == absolute(fresh_listings.get_absolute_url())
    assert absolute("/prestataires/essonne-gestion-libre/") in links
    assert absolute("/prestataires/essonne-nuage-en-projet/") not in links  # pending
    assert absolute("/prestataires/lyon-gestion-ouverte/") not in links
    assert absolute("/prestataires/infra-libre-seine/") in links  # seated in Paris

    breton = [link for link, _ in feed_entries(client, "/flux/regions/bretagne.atom")]
    assert breton and absolute(fresh_listings.get_absolute_url()) not in breton


def test_feed_per_software_has_the_providers_offering_it(client, demo_data, fresh_listings):
    links = [link for link, _ in feed_entries(client, "/flux/logiciels/dolibarr.atom")]
    assert links == newest_first(Provider.objects.published().offering(software=["dolibarr"]))
    assert links[0] == absolute(fresh_listings.get_absolute_url())
    assert all("pas-publie" not in link and "injoignable" not in link for link in links)
    moodle = [link for link, _ in feed_entries(client, "/flux/logiciels/moodle.atom")]
    assert absolute(fresh_listings.get_absolute_url()) not in moodle
    assert moodle == newest_first(Provider.objects.published().offering(software=["moodle"]))


@pytest.mark.parametrize(
    "url",
    [
        "/flux/regions/atlantide.atom",
        "/flux/regions/essonne.atom",  # a département is not a région
        "/flux/logiciels/inconnu.atom",
    ],
)
def test_unknown_feed_is_a_404(client, url):
    assert client.get(url).status_code == 404


def test_pages_advertise_their_feeds(client, demo_data):
    def feeds(url):
        return [
            link["href"]
            for link in head(client, url).links.get("alternate", [])
            if link.get("type") == "application/atom+xml"
        ]

    assert "/flux/prestataires.atom" in feeds("/")
    assert "/flux/logiciels/dolibarr.atom" in feeds("/logiciels/dolibarr/")
    assert "/flux/regions/ile-de-france.atom" in feeds("/territoires/ile-de-france/")
    for url in feeds("/logiciels/dolibarr/") + feeds("/territoires/ile-de-france/"):
        assert client.get(url).status_code == 200


# OpenGraph, Twitter and canonical tags -------------------------------------------------------

PUBLIC_PAGES = [
    ("/", "/"),
    ("/prestataires/", "/prestataires/"),
    ("/prestataires/?q=dolibarr&ou=Essonne&page=1", "/prestataires/"),
    ("/prestataires/essonne-gestion-libre/", "/prestataires/essonne-gestion-libre/"),
    (
        "/prestataires/essonne-gestion-libre/?retour=q%3Ddolibarr",
        "/prestataires/essonne-gestion-libre/",
    ),
    ("/logiciels/", "/logiciels/"),
    ("/logiciels/dolibarr/", "/logiciels/dolibarr/"),
    ("/territoires/", "/territoires/"),
    ("/territoires/ile-de-france/", "/territoires/ile-de-france/"),
    ("/territoires/ile-de-france/essonne/", "/territoires/ile-de-france/essonne/"),
    (
        "/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/",
        "/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/",
    ),
    (
        "/territoires/ile-de-france/essonne/evry-courcouronnes-91228/",
        "/territoires/ile-de-france/essonne/evry-courcouronnes-91228/",
    ),
    ("/a-propos/", "/a-propos/"),
    ("/accessibilite/", "/accessibilite/"),
    ("/donnees-ouvertes/", "/donnees-ouvertes/"),
    ("/mentions-legales/", "/mentions-legales/"),
    ("/referencer/", "/referencer/"),
]


@pytest.mark.parametrize(("url", "canonical"), PUBLIC_PAGES)
def test_every_public_page_has_opengraph_twitter_and_canonical_tags(
    client, demo_data, url, canonical
):
    page = head(client, url)
    title = page.title.strip()
    assert title
    assert [link["href"] for link in page.links["canonical"]] == [absolute(canonical)]
    assert page.meta["og:url"] == absolute(canonical)
    assert page.meta["og:title"] == page.meta["twitter:title"] == title
    description = page.meta["description"]
    assert description and len(description) > 40
    assert page.meta["og:description"] == page.meta["twitter:description"] == description
    assert page.meta["og:type"] == "website"
    assert page.meta["og:site_name"] == "Annuaire du numérique libre"
    assert page.meta["og:locale"] == "fr_FR"
    assert page.meta["twitter:card"] == "summary"
    for value in (title, description):
        assert "\n" not in value and "  " not in value and "{%" not in value


def test_page_titles_and_descriptions_say_what_the_page_is(client, demo_data):
    provider = head(client, "/prestataires/essonne-gestion-libre/")
    assert provider.meta["og:title"].startswith("Essonne Gestion Libre — Évry-Courcouronnes")
    assert "Dolibarr" in provider.meta["og:description"]
    software = head(client, "/logiciels/dolibarr/")
    assert software.meta["og:title"].startswith("Dolibarr : prestataires")
    published = Provider.objects.published().offering(software=["dolibarr"]).count()
    assert software.meta["og:description"].startswith(f"{published} entreprises proposent")
    town = head(client, "/territoires/ile-de-france/essonne/evry-courcouronnes-91228/")
    assert "Évry-Courcouronnes" in town.meta["og:title"]
    search = head(client, "/prestataires/?q=dolibarr&ou=Essonne")
    assert search.meta["og:title"].startswith("dolibarr — Essonne (91)")


def test_tags_survive_quotes_and_markup_in_names(client):
    provider = ProviderFactory(
        name='Le "Libre" & <Cie>', slug="le-libre-cie", description='Dit "bonjour" <b>ici</b>.'
    )
    page = head(client, provider.get_absolute_url())
    assert page.meta["og:title"].startswith('Le "Libre" & <Cie> — ')
    assert 'Dit "bonjour" <b>ici</b>.' in page.meta["og:description"]
    assert page.meta["og:url"] == absolute("/prestataires/le-libre-cie/")


# schema.org JSON-LD ---------------------------------------------------------------------------


def test_provider_page_describes_an_organization(client, demo_data):
    data = structured_data(client, "/prestataires/essonne-gestion-libre/")
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["@id"] == absolute("/prestataires/essonne-gestion-libre/")
    assert data["name"] == "Essonne Gestion Libre"
    assert data["url"] == "https://essonne-gestion-libre.example"
    assert data["address"]["@type"] == "PostalAddress"
    assert data["address"]["addressCountry"] == "FR"
    assert data["address"]["addressRegion"] == "Île-de-France"
    assert {"@type": "AdministrativeArea", "name": "Essonne"} in data["areaServed"]
    assert all(offer["@type"] == "Offer" for offer in data["makesOffer"])
    assert data["email"] == "contact@essonne-gestion-libre.example"  # shown on the listing

    national = structured_data(client, "/prestataires/infra-libre-seine/")
    assert national["areaServed"][0] == {"@type": "Country", "name": "France"}


def test_provider_json_ld_keeps_private_email_out_and_gives_the_siren(client):
    provider = ProviderFactory(
        name="Discrète", siren="552100554", show_email=False, year_founded=2011
    )
    data = structured_data(client, provider.get_absolute_url())
    assert "email" not in data
    assert data["identifier"] == {
        "@type": "PropertyValue",
        "propertyID": "SIREN",
        "value": "552100554",
    }
    assert data["foundingDate"] == "2011"


def test_software_page_describes_the_application_and_its_providers(client, demo_data):
    data = structured_data(client, "/logiciels/nextcloud/")
    assert data["@context"] == "https://schema.org"
    application, item_list = data["@graph"]
    assert application["@type"] == "SoftwareApplication"
    assert application["name"] == "Nextcloud"
    assert application["url"] == absolute("/logiciels/nextcloud/")
    assert application["license"] == "AGPL-3.0-or-later"
    assert "https://www.wikidata.org/wiki/Q25874683" in application["sameAs"]

    assert item_list["@type"] == "ItemList"
    expected = list(
        Provider.objects.published()
        .offering(software=["nextcloud"])
        .order_by("name", "pk")
        .values_list("name", flat=True)[:20]
    )
    elements = item_list["itemListElement"]
    assert [element["item"]["name"] for element in elements] == expected
    assert [element["position"] for element in elements] == list(range(1, len(expected) + 1))
    assert all(element["@type"] == "ListItem" for element in elements)
    assert all(element["item"]["@type"] == "Organization" for element in elements)
    assert all(element["item"]["url"].startswith(f"{SERVER}/prestataires/") for element in elements)
    assert "Essonne Nuage en Projet" not in expected  # pending
    assert "Ancienne Société Libre" not in expected  # archived


@pytest.mark.parametrize(
    ("url", "level", "code", "place_type", "contained_in"),
    [
        ("/territoires/ile-de-france/", "region", "11", "State", []),
        (
            "/territoires/ile-de-france/essonne/",
            "departement",
            "91",
            "AdministrativeArea",
            [("State", "Île-de-France")],
        ),
        (
            "/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/",
            "epci",
            "200059228",
            "AdministrativeArea",
            [
                ("AdministrativeArea", "Seine-et-Marne"),
                ("AdministrativeArea", "Essonne"),
                ("State", "Île-de-France"),
            ],
        ),
        (
            "/territoires/ile-de-france/essonne/evry-courcouronnes-91228/",
            "commune",
            "91228",
            "City",
            [
                ("AdministrativeArea", "CA Grand Paris Sud Seine Essonne Sénart"),
                ("AdministrativeArea", "Essonne"),
                ("State", "Île-de-France"),
            ],
        ),
    ],
)
def test_territory_page_describes_the_place_and_the_providers_serving_it(
    client, demo_data, url, level, code, place_type, contained_in
):
    territory = Territory.objects.current().get(level=level, code=code)
    data = structured_data(client, url)
    assert data["@context"] == "https://schema.org"
    place, item_list = data["@graph"]
    assert place["@type"] == place_type
    assert (place["name"], place["identifier"]) == (territory.name, code)
    assert place["url"] == absolute(url)
    assert [(parent["@type"], parent["name"]) for parent in place["containedInPlace"]] == (
        contained_in
    )
    assert item_list["@type"] == "ItemList"
    serving = Provider.objects.published().serving(territory)
    names = [element["item"]["name"] for element in item_list["itemListElement"]]
    assert len(names) == len(set(names)) == min(20, serving.count())
    assert set(names) <= set(serving.values_list("name", flat=True))
    assert "Essonne Nuage en Projet" not in names  # pending, seated in Évry
