"""The markets list a page at a time: a page size, previous/next links that keep the environment,
and a refresh fragment that refreshes the page shown."""

from __future__ import annotations

import html
import re

import httpx

from sandex.transport.console.markets import MARKETS_PER_PAGE
from tests.support.console import Console

_ROW = re.compile(r'<tr data-inst="([A-Z]+-[A-Z]+)">')


def _link(page: httpx.Response, rel: str) -> str | None:
    found = re.search(rf'<a class="btn btn-ghost" href="([^"]+)" rel="{rel}">', page.text)
    return html.unescape(found.group(1)) if found else None


async def test_the_list_pages_through_every_market_once(app: Console) -> None:
    async with app.visitor() as visitor:
        catalogue = app.context.catalogue
        listed = (
            [i.inst_id for i in catalogue.instruments.values() if i.contract is None] if catalogue else []
        )
        assert len(listed) > MARKETS_PER_PAGE  # else there is nothing to page through
        first = await visitor.get("/markets")
        assert _ROW.findall(first.text) == listed[:MARKETS_PER_PAGE]
        assert _link(first, "prev") is None and _link(first, "next") == "/markets?page=2"
        assert f"1–{MARKETS_PER_PAGE} of {len(listed)} markets" in first.text
        seen, page = [], first
        while True:
            seen += _ROW.findall(page.text)
            following = _link(page, "next")
            if following is None:
                break
            page = await visitor.get(following)
        assert seen == listed
        assert _link(page, "prev") is not None


async def test_the_links_keep_the_environment_and_the_refresh_keeps_the_page(app: Console) -> None:
    async with app.visitor() as visitor:
        second = await visitor.get("/markets?env=demo&page=2")
        assert second.status_code == 200
        assert _link(second, "prev") == "/markets?env=demo"
        assert 'data-live="/markets/live?env=demo&page=2"' in second.text
        shown = _ROW.findall(second.text)
        assert shown and _ROW.findall((await visitor.get("/markets/live?env=demo&page=2")).text) == shown
        assert '<a href="/markets?env=demo" aria-current="page">Demo</a>' in second.text


async def test_a_page_past_the_end_or_not_a_number_shows_the_nearest_page(app: Console) -> None:
    async with app.visitor() as visitor:
        pages = -(
            -len(app.context.catalogue.instruments if app.context.catalogue else ()) // MARKETS_PER_PAGE
        )
        last = await visitor.get(f"/markets?page={pages}")
        assert _link(last, "next") is None
        for past in ("99", "1" * 40):
            beyond = await visitor.get(f"/markets?page={past}")
            assert beyond.status_code == 200 and _ROW.findall(beyond.text) == _ROW.findall(last.text), past
        first = _ROW.findall((await visitor.get("/markets")).text)
        for odd in ("0", "-1", "abc"):
            assert _ROW.findall((await visitor.get(f"/markets?page={odd}")).text) == first, odd
