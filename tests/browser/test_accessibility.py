"""Every page type passes axe-core (WCAG 2.1 A and AA) with zero violations."""

import pytest

pytestmark = pytest.mark.browser

PAGES = {
    "home": "/",
    "search": "/prestataires/?q=formation&ou=Essonne",
    "search-filtered": "/prestataires/?logiciel=nextcloud&service=hebergement&region=bretagne",
    "search-empty": "/prestataires/?q=Moodle&ou=Ouessant",
    "search-choice": "/prestataires/?ou=Saint-Denis",
    "search-notices": "/prestataires/?logiciel=inconnu&page=999",
    "search-understood": "/prestataires/?q=remplacer+Zoom+%C3%A0+Toulouse",
    "search-need-choice": "/prestataires/?q=nextcloud+saint-denis",
    "search-distance": "/prestataires/?ou=%C3%89vry&rayon=50",
    "coverage": "/couverture/",
    "coverage-region": "/couverture/?logiciel=nextcloud&region=occitanie",
    "coverage-epci": "/couverture/?departement=essonne",
    "coverage-errors": "/couverture/?logiciel=inconnu&region=x",
    "provider": "/prestataires/essonne-gestion-libre/",
    "software-list": "/logiciels/",
    "software": "/logiciels/dolibarr/",
    "territories": "/territoires/",
    "region": "/territoires/ile-de-france/",
    "departement": "/territoires/ile-de-france/essonne/",
    "epci": "/territoires/intercommunalite/ca-grand-paris-sud-seine-essonne-senart/",
    "commune": "/territoires/ile-de-france/essonne/evry-courcouronnes-91228/",
    "about": "/a-propos/",
    "accessibility": "/accessibilite/",
    "open-data": "/donnees-ouvertes/",
    "legal": "/mentions-legales/",
    "admin-login": "/admin/login/",
    "submit": "/referencer/",
    "report": "/prestataires/essonne-gestion-libre/signaler/",
    "request-update": "/prestataires/essonne-gestion-libre/mise-a-jour/",
}


@pytest.mark.parametrize("path", PAGES.values(), ids=PAGES.keys())
def test_page_has_no_accessibility_violation(app_server, page, axe_violations, path):
    response = page.goto(app_server + path)
    assert response.status == 200
    assert axe_violations(page) == []


def test_404_page_has_no_accessibility_violation(app_server, page, axe_violations):
    response = page.goto(app_server + "/prestataires/inconnu/")
    assert response.status == 404
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/prestataires/?q=formation",
        "/prestataires/essonne-gestion-libre/",
        "/prestataires/?ou=%C3%89vry",
        "/logiciels/dolibarr/",
        "/couverture/?region=occitanie",
        "/territoires/ile-de-france/essonne/",
    ],
)
@pytest.mark.parametrize("width", [320, 1280])
def test_pages_fit_small_and_large_screens(app_server, page, width, path):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(app_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", [320, 1280])
def test_a_map_fills_its_column_and_keeps_its_proportions(app_server, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(app_server + "/logiciels/nextcloud/")
    box = page.locator("#carte-logiciel svg.map-svg").bounding_box()
    assert 0.8 < box["height"] / box["width"] < 1.2  # the map of France is about square
    assert box["width"] <= width


def test_map_areas_are_links_reached_with_the_keyboard(app_server, page):
    page.goto(app_server + "/couverture/?region=occitanie")
    areas = page.locator("#carte-couverture .map-areas a")
    assert areas.count() == 13
    areas.first.focus()
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert " : " in label and ("prestataire" in label)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/territoires/occitanie/" in page.url


def test_skip_link_is_the_first_tab_stop_and_reaches_main(app_server, page):
    page.goto(app_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
