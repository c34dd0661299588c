"""The state digest's canonical form: equal states give equal text however they were built, and
any difference (one ledger unit, one lot) gives another digest."""

from __future__ import annotations

from decimal import Decimal

from sandex.domain.derivatives.contracts import MgnMode, PosSide
from sandex.domain.derivatives.positions import Position
from sandex.services.exchange.state_digest import canon, digest

D = Decimal


def _position(pos: int = 3) -> Position:
    return Position(
        7, "BTC-USDT-SWAP", MgnMode.CROSS, PosSide.NET, 500, D("10.0"), 1, 2, pos=pos, cost=150000
    )


def test_equal_states_built_differently_have_one_canonical_form() -> None:
    one = {"b": [(1, "USDT", 5, 0)], "a": {2: D("50000.0"), 1: D("1E+1")}}
    other = {"a": {1: D(10), 2: D(50000)}, "b": [(1, "USDT", 5, 0)]}
    assert canon(one) == canon(other) and digest(canon(one)) == digest(canon(other))
    assert canon(_position()) == canon(_position())


def test_one_lot_or_one_unit_changes_the_digest() -> None:
    assert digest(canon(_position(3))) != digest(canon(_position(4)))
    assert digest(canon([(1, "USDT", 5, 0)])) != digest(canon([(1, "USDT", 6, 0)]))
    assert digest(canon({"x": D("0.1")})) != digest(canon({"x": D("0.10001")}))
