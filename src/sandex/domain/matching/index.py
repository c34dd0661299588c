"""Where to find a pending order: by id, by (account, client order id), and per account."""

from __future__ import annotations

from sandex.domain.matching.queue import Order


class OrderIndex:
    __slots__ = ("_by_account", "_by_cl", "orders")

    def __init__(self) -> None:
        self.orders: dict[int, Order] = {}  # public for the engine's hot path: a plain dict get
        self._by_cl: dict[tuple[int, str], Order] = {}
        self._by_account: dict[int, dict[int, Order]] = {}

    def add(self, o: Order) -> None:
        assert o.ord_id not in self.orders, f"duplicate order id {o.ord_id}"
        self.orders[o.ord_id] = o
        if o.cl_ord_id:
            self._by_cl[(o.account_id, o.cl_ord_id)] = o
        mine = self._by_account.get(o.account_id)
        if mine is None:
            self._by_account[o.account_id] = mine = {}
        mine[o.ord_id] = o

    def remove(self, o: Order) -> None:
        del self.orders[o.ord_id]
        if o.cl_ord_id:
            del self._by_cl[(o.account_id, o.cl_ord_id)]
        mine = self._by_account[o.account_id]
        del mine[o.ord_id]
        if not mine:
            del self._by_account[o.account_id]

    def by_cl_ord_id(self, account_id: int, cl_ord_id: str) -> Order | None:
        return self._by_cl.get((account_id, cl_ord_id))

    def of_account(self, account_id: int) -> list[Order]:
        return list(self._by_account.get(account_id, {}).values())

    def count(self, account_id: int) -> int:
        mine = self._by_account.get(account_id)
        return 0 if mine is None else len(mine)
