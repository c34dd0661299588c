"""At a phone's width (390 px): the main navigation behind a Menu button that reaches every section
(mouse and keyboard), the markets list paged through, and error pages with a way back. Screenshots
at desktop width and 390 px go to artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from sandex.testing.server import RunningServer
from sandex.transport.console.markets import MARKETS_PER_PAGE
from sandex.transport.console.render import NAV

pytestmark = pytest.mark.browser

PASSWORD = "Correct-Horse-9"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _shot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"console-{name}.png"), full_page=True)


def _sign_up(page: Page, base: str, email: str) -> None:
    page.goto(base + "/signup")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_label("Repeat password").press("Enter")
    expect(page.get_by_role("heading", name="Security", exact=True)).to_be_visible()


def _fits(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at a {PHONE['width']}px viewport"


def test_the_menu_button_reaches_every_section_at_390px(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    _sign_up(page, base, "phone@example.com")
    expect(page.get_by_label("Menu", exact=True)).to_be_hidden()  # the bar itself at desktop width
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    _shot(page, artifacts, "nav-desktop")

    page.set_viewport_size(PHONE)
    menu = page.get_by_label("Menu", exact=True)
    main = page.get_by_role("navigation", name="Main")
    expect(menu).to_be_visible()
    expect(main).to_be_hidden()  # collapsed: neither the bar nor the closed menu shows its links
    menu.click()
    expect(main).to_be_visible()
    _fits(page)
    _shot(page, artifacts, "nav-menu-390px")
    menu.click()
    expect(main).to_be_hidden()
    for item in NAV:  # every section, through the menu, with the mouse
        page.get_by_label("Menu", exact=True).click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name=item.label, exact=True).click()
        page.wait_for_url(base + item.href)
        expect(page.get_by_role("navigation", name="Main")).to_be_hidden()  # a new page: closed again
        _fits(page)

    # The keyboard: Tab reaches the button, Enter opens it, Tab reaches the links, Escape closes it.
    page.goto(base + "/account")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    expect(page.get_by_label("Menu", exact=True)).to_be_focused()
    ring = page.get_by_label("Menu", exact=True).evaluate("el => getComputedStyle(el).boxShadow")
    assert ring != "none", "the focused Menu button must show where the focus is"
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name=NAV[0].label)).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_label("Menu", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    target = page.get_by_role("navigation", name="Main").get_by_role("link", name="Markets", exact=True)
    target.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/markets")
    context.close()


def test_paging_through_the_markets_at_390px(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.goto(base + "/markets?env=demo")
    rows = page.locator("tbody tr[data-inst]")
    expect(rows).to_have_count(MARKETS_PER_PAGE)
    first_page = rows.first.get_attribute("data-inst")
    expect(page.get_by_role("link", name="← Previous")).to_have_count(0)
    _fits(page)
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(base + "/markets?env=demo&page=2")
    expect(page.get_by_text("page 2 of")).to_be_visible()
    expect(rows.first).not_to_have_attribute("data-inst", first_page or "")
    expect(
        page.get_by_role("navigation", name="Environment").get_by_role("link", name="Demo")
    ).to_have_attribute("aria-current", "page")
    _fits(page)
    _shot(page, artifacts, "markets-page-2-390px")
    page.set_viewport_size(DESKTOP)
    _shot(page, artifacts, "markets-page-2")
    page.set_viewport_size(PHONE)
    page.get_by_role("link", name="← Previous").click()
    page.wait_for_url(base + "/markets?env=demo")
    expect(rows.first).to_have_attribute("data-inst", first_page or "")
    assert not problems, problems  # no CSP violation, no script error
    context.close()


def test_an_unknown_page_and_a_visit_to_a_form_url_are_pages_with_a_way_back(
    browser: Browser, server: RunningServer, artifacts: Path
) -> None:
    base = server.base_url
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    missing = page.goto(base + "/no/such/page")
    assert missing is not None and missing.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    _shot(page, artifacts, "error-404")
    page.set_viewport_size(PHONE)
    _fits(page)
    _shot(page, artifacts, "error-404-390px")
    page.get_by_role("link", name="Go to the start page").click()
    page.wait_for_url(base + "/")
    visit = page.goto(base + "/logout")
    assert visit is not None and visit.status == 405
    expect(page.get_by_role("link", name="Go to the start page")).to_be_visible()
    context.close()
