"""The main journey in a real browser: home → "Dolibarr" near "Évry" → a provider → back."""

import re

import pytest

pytestmark = pytest.mark.browser


def test_owner_finds_a_dolibarr_integrator_near_evry_and_comes_back(app_server, page):
    page.goto(app_server + "/")
    page.get_by_label("Quoi ?").fill("Dolibarr")
    where = page.get_by_label("Où ?")
    where.press_sequentially("Évry", delay=30)
    # The suggestions endpoint fills the datalist (JavaScript enhancement).
    page.locator("#places option").first.wait_for(state="attached", timeout=5000)
    options = page.eval_on_selector_all("#places option", "els => els.map(e => e.value)")
    assert "Évry-Courcouronnes (91)" in options
    where.fill("Évry-Courcouronnes (91)")
    page.get_by_role("button", name="Rechercher").click()

    page.wait_for_url(re.compile(r"/prestataires/\?"))
    assert page.get_by_role(
        "heading", name=re.compile("2 prestataires pour Évry-Courcouronnes")
    ).is_visible()
    first = page.locator(".result-list .card-title a").first
    assert first.inner_text() == "Essonne Gestion Libre"
    first.click()

    page.wait_for_url(re.compile(r"/prestataires/essonne-gestion-libre/"))
    assert page.get_by_role("heading", level=1).inner_text() == "Essonne Gestion Libre"
    assert page.get_by_role("link", name="contact@essonne-gestion-libre.example").is_visible()

    page.go_back()
    page.wait_for_url(re.compile(r"/prestataires/\?"))
    assert page.get_by_label("Quoi ?").input_value() == "Dolibarr"
    assert page.get_by_label("Où ?").input_value() == "Évry-Courcouronnes (91)"
    assert page.locator(".result-list .card-title a").first.inner_text() == "Essonne Gestion Libre"


def test_the_return_link_keeps_the_filters(app_server, page):
    page.goto(app_server + "/prestataires/?q=formation&ou=Essonne&service=formation")
    page.locator(".result-list .card-title a").first.click()
    page.get_by_role("link", name="← Retour aux résultats").click()
    assert "service=formation" in page.url
    assert page.get_by_label("Où ?").input_value() == "Essonne"


def test_the_journey_works_without_javascript(app_server, browser):
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    try:
        page.goto(app_server + "/")
        page.get_by_label("Quoi ?").fill("nexcloud")
        page.get_by_label("Où ?").fill("Saint-Denis")
        page.get_by_role("button", name="Rechercher").click()
        # An ambiguous place: the page asks which one.
        page.get_by_role("link", name="Saint-Denis (93)").click()
        assert page.get_by_label("Où ?").input_value() == "Saint-Denis (93)"
        assert page.locator(".result-list").count() == 1
        assert "Nuage Francilien" in page.locator(".result-list").inner_text()
        # A facet is a plain link.
        page.locator(".facet a", has_text="Hébergement").first.click()
        assert "service=hebergement" in page.url
        assert page.locator(".chips").inner_text().count("×") == 3
    finally:
        context.close()


def test_search_is_usable_with_the_keyboard_only(app_server, page):
    page.goto(app_server + "/")
    # Skip link, brand, main menu, then the "Quoi ?" field: every stop is reachable.
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_q":
            break
    assert page.evaluate("document.activeElement.id") == "id_q"
    page.keyboard.type("nextcloud")
    page.keyboard.press("Tab")
    page.keyboard.type("Rennes")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/prestataires/\?"))
    assert page.locator(".result-list li").count() > 0
