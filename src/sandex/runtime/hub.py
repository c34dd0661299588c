"""A tiny in-process, typed publish/subscribe hub.

Services publish plain event values after their transaction commits (e.g. `KeyChanged`); whoever
cares subscribes by event type (the key cache, later the WebSocket gateway closing sessions with
4007). Handlers run synchronously, in publication order, on the publisher's thread; a handler that
raises is logged and does not stop the others. Several processes sharing a database learn about
each other's changes through the `change_counters` table instead (see `sandex.runtime.keycache`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger("sandex.hub")

E = TypeVar("E")
F = TypeVar("F")  # what a hub table holds: handlers or demands
Handler = Callable[[Any], None]


class Hub:
    def __init__(self) -> None:
        self._handlers: dict[type[Any], list[Handler]] = {}
        self._demands: dict[type[Any], list[Callable[[], bool]]] = {}
        self._lock = threading.Lock()

    def subscribe(self, event_type: type[E], handler: Callable[[E], None]) -> Callable[[], None]:
        """Call `handler` for every published event of `event_type`; returns the unsubscriber."""
        return self._add(self._handlers, event_type, handler)

    def has_subscribers(self, event_type: type[Any]) -> bool:
        """Whether publishing `event_type` reaches anyone (publishers skip building unread events)."""
        with self._lock:
            return bool(self._handlers.get(event_type))

    def demand(self, event_type: type[Any], wants: Callable[[], bool]) -> Callable[[], None]:
        """Say when a subscriber needs `event_type` in full detail (`wants()`), so a publisher can skip
        detail nobody reads (the WS `orders` channel needs every step of an order only while a session
        subscribes to it); returns the function that withdraws the demand."""
        return self._add(self._demands, event_type, wants)

    def demanded(self, event_type: type[Any]) -> bool:
        """Whether any subscriber wants `event_type` in full detail right now."""
        with self._lock:
            demands = tuple(self._demands.get(event_type, ()))
        return any(wants() for wants in demands)

    def _add(self, table: dict[type[Any], list[F]], event_type: type[Any], item: F) -> Callable[[], None]:
        """Put `item` under `event_type` in `table`; returns the function that takes it out again."""
        with self._lock:
            table.setdefault(event_type, []).append(item)

        def remove() -> None:
            with self._lock:
                items = table.get(event_type, [])
                if item in items:
                    items.remove(item)

        return remove

    def publish(self, event: object) -> None:
        with self._lock:
            handlers = tuple(self._handlers.get(type(event), ()))
        for handler in handlers:
            try:
                handler(event)
            except Exception:  # one broken subscriber must not hide the event from the others
                log.exception("event handler failed for %s", type(event).__name__)
