"""A bad personal link opened in Chromium on a phone: the participant's page, in the browser's
language, laid out right to left in Arabic, readable without scrolling sideways."""

from __future__ import annotations

import pytest

PHONE = {"width": 360, "height": 740}


@pytest.mark.parametrize(
    ("browser_locale", "heading", "direction"),
    [("ar-MA", "هذا الرابط لا يعمل", "rtl"), ("fr-FR", "Ce lien ne fonctionne pas", "ltr")],
)
def test_bad_link_on_a_phone_reads_in_the_browsers_language(
    browser, live_server, app_ctx, tmp_path, browser_locale, heading, direction
):
    context = browser.new_context(
        base_url=live_server, locale=browser_locale, viewport=PHONE, is_mobile=True
    )
    try:
        tab = context.new_page()
        response = tab.goto("/p/" + "A" * 43)
        assert response.status == 404
        assert tab.locator("h1").inner_text() == heading
        assert tab.locator("html").get_attribute("dir") == direction
        assert tab.evaluate("getComputedStyle(document.body).direction") == direction
        # Fits the phone's width: nothing to scroll sideways.
        assert tab.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        tab.screenshot(path=str(tmp_path / f"link-not-found-{browser_locale}.png"), full_page=True)
    finally:
        context.close()
