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
    "path", ["/", "/prestataires/?q=formation", "/prestataires/essonne-gestion-libre/"]
)
@pytest.mark.parametrize("width", [320, 1280])
def test_pages_fit_small_and_large_screens(app_server, page, width, path):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(app_server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_skip_link_is_the_first_tab_stop_and_reaches_main(app_server, page):
    page.goto(app_server + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
