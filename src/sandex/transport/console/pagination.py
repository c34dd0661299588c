"""A long list shown a page at a time: `?page=N` picks the page, every other query parameter (the
list's filters) stays on the previous/next links."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from starlette.requests import Request

T = TypeVar("T")

PAGE_PARAM = "page"


@dataclass(frozen=True, slots=True)
class Pager:
    number: int  # 1-based, within 1..pages
    pages: int
    total: int
    first: int  # 1-based position of the page's first item (0 on an empty list)
    last: int
    path: str
    kept: tuple[tuple[str, str], ...]  # the filters

    def href(self, number: int) -> str:
        query = [*self.kept, (PAGE_PARAM, str(number))] if number > 1 else list(self.kept)
        return self.path + ("?" + urlencode(query) if query else "")

    @property
    def prev_href(self) -> str | None:
        return self.href(self.number - 1) if self.number > 1 else None

    @property
    def next_href(self) -> str | None:
        return self.href(self.number + 1) if self.number < self.pages else None


def paginate(request: Request, items: Sequence[T], size: int) -> tuple[Sequence[T], Pager]:
    """The items of the requested page and its pager. A page number past either end, or not a
    number, shows the nearest page that exists rather than an empty one."""
    pages = max(1, -(-len(items) // size))
    number = _page_number(request.query_params.get(PAGE_PARAM, "1"), pages)
    start = (number - 1) * size
    shown = items[start : start + size]
    kept = tuple((k, v) for k, v in request.query_params.multi_items() if k != PAGE_PARAM)
    first = start + 1 if shown else 0
    return shown, Pager(number, pages, len(items), first, start + len(shown), request.url.path, kept)


def _page_number(asked: str, pages: int) -> int:
    if not asked.isdecimal():
        return 1
    if len(asked) > 9:  # far past the end (and no huge number parsed)
        return pages
    return min(max(int(asked), 1), pages)
