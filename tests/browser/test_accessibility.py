"""Every page type passes axe-core (WCAG 2.1 A/AA) with zero violations."""

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/", "/admin/login/"])
def test_page_has_no_accessibility_violation(app_server, page, axe_violations, path):
    response = page.goto(app_server + path)
    assert response.status == 200
    assert axe_violations(page) == []


@pytest.mark.parametrize("width", [320, 1280])
def test_home_page_fits_small_and_large_screens(app_server, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(app_server + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_skip_link_is_the_first_tab_stop_and_reaches_main(app_server, page):
    page.goto(app_server + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
