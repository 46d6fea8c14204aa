"""The navigation bar at a common laptop width, in both languages: one row, or the menu button."""
import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("language", ["zh_CN", "en"])
def test_navigation_fits_a_1280_pixel_window(browser, live_server, language):
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    page.goto(f"{live_server}/lang/{language}?next=/")
    assert page.locator(".navbar").bounding_box()["height"] < 80  # one row
    toggler = page.locator(".navbar-toggler")
    # Chinese labels fit in one row; the longer English ones fold into the menu button
    assert toggler.is_visible() == (language == "en")
    if toggler.is_visible():
        toggler.click()
        page.locator("#nav.show").wait_for()
    links = page.locator(".navbar .nav-link:visible")
    heights = [links.nth(i).bounding_box()["height"] for i in range(links.count())]
    # no label wraps inside itself (简体中文 once stacked one character per line)
    assert len(heights) >= 4 and max(heights) < 1.8 * min(heights)
