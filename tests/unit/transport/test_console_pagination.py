"""A list a page at a time: the page asked for (or the nearest one), and links that keep the filters."""

from __future__ import annotations

from starlette.requests import Request

from sandex.transport.console.pagination import paginate


def _request(query: str) -> Request:
    return Request(
        {"type": "http", "method": "GET", "path": "/markets", "query_string": query.encode(), "headers": []}
    )


def test_a_page_of_the_items_with_links_that_keep_every_other_parameter() -> None:
    shown, pager = paginate(_request("env=demo&q=btc&page=2"), list(range(45)), 20)
    assert list(shown) == list(range(20, 40))
    assert (pager.number, pager.pages, pager.total, pager.first, pager.last) == (2, 3, 45, 21, 40)
    assert pager.prev_href == "/markets?env=demo&q=btc"  # page 1 needs no number
    assert pager.next_href == "/markets?env=demo&q=btc&page=3"


def test_the_ends_have_no_link_past_them() -> None:
    _, first = paginate(_request(""), list(range(45)), 20)
    assert first.prev_href is None and first.next_href == "/markets?page=2"
    shown, last = paginate(_request("page=3"), list(range(45)), 20)
    assert list(shown) == list(range(40, 45)) and last.next_href is None


def test_a_page_out_of_range_or_not_a_number_is_the_nearest_page() -> None:
    for past in ("9", "99999999999999999999"):
        assert paginate(_request(f"page={past}"), list(range(45)), 20)[1].number == 3, past
    for odd in ("0", "-2", "two", "", "1e3"):
        assert paginate(_request(f"page={odd}"), list(range(45)), 20)[1].number == 1, odd


def test_an_empty_list_is_one_empty_page() -> None:
    shown, pager = paginate(_request("page=4"), [], 20)
    assert list(shown) == [] and (pager.number, pager.pages, pager.first, pager.last) == (1, 1, 0, 0)
    assert pager.prev_href is None and pager.next_href is None
