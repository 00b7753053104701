"""The browser enforces the Content-Security-Policy on every page type, and nothing the
site itself serves is refused by it (the JavaScript enhancement keeps working)."""

import pytest

from tests.browser.test_accessibility import PAGES

pytestmark = pytest.mark.browser


def test_no_page_breaks_its_own_policy(app_server, page):
    refused = []
    page.on(
        "console",
        lambda message: (
            refused.append((page.url, message.text))
            if "Content Security Policy" in message.text
            else None
        ),
    )
    for path in PAGES.values():
        response = page.goto(app_server + path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
    assert refused == []


def test_an_inline_script_slipped_into_a_page_would_be_refused(app_server, page):
    page.goto(app_server + "/")
    ran = page.evaluate(
        """() => new Promise(resolve => {
            document.addEventListener('securitypolicyviolation', () => resolve('refused'));
            const script = document.createElement('script');
            script.textContent = 'window.__ran = true';
            document.body.appendChild(script);
            setTimeout(() => resolve(window.__ran ? 'ran' : 'refused'), 500);
        })"""
    )
    assert ran == "refused"
