"""The Positions page on the real exchange: the account mode chosen on the console lets swap orders
through, a position opened by real orders shows with its mark-based numbers, leverage set from the
page changes the position, and a closed position moves to the history."""

from __future__ import annotations

import re
from decimal import Decimal

from sandex.domain.accounts.model import Environment
from sandex.domain.errors import Rejected
from sandex.domain.matching.order import OrdType, Side
from sandex.domain.trading.commands import OrderSpec
from sandex.services.trading.views import Trader
from tests.support.console import Console, Visitor
from tests.support.polling import until

SWAP = "BTC-USDT-SWAP"
LIVE = Environment.LIVE


def _user_id(app: Console, email: str) -> int:
    user = app.runtime.accounts.get_user_by_email(email)
    assert user is not None
    return user.id


async def _funded(app: Console, user_id: int) -> None:
    done = await app.runtime.trading.service.deposit(user_id, LIVE, "USDT", Decimal(100000))
    assert not isinstance(done, Rejected)


async def _trade(app: Console, user_id: int, side: Side, px: Decimal, sz: str = "2") -> None:
    spec = OrderSpec(SWAP, side, OrdType.LIMIT, Decimal(sz), px, td_mode="cross")
    acks = await app.runtime.trading.service.place(Trader(user_id, LIVE), [spec])
    assert not isinstance(acks, Rejected) and acks[0].rejected is None, acks


async def _mark(app: Console) -> Decimal:
    board = app.runtime.market.board
    await until(lambda: board.mark_px(SWAP) is not None, "a mark price")
    mark = board.mark_px(SWAP)
    assert mark is not None
    return mark


def _text(page: str, attr: str) -> str:
    found = re.search(rf"<tr {attr}[^>]*>(.*?)</tr>", page, re.S)
    assert found, page
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


async def test_a_position_from_futures_mode_to_history(app: Console, alice: Visitor) -> None:
    await alice.get("/account/mode")
    chosen = await alice.post("/account/mode", {"env": "live", "mode": "futures"})
    assert chosen.status_code == 303
    me = _user_id(app, "alice@example.com")
    other = app.runtime.accounts.register("bob@example.com", "Correct-Horse-9")
    assert not isinstance(other, Rejected)
    await app.context.swaps.set_account_mode(other.id, LIVE, "futures")  # type: ignore[union-attr]
    for user_id in (me, other.id):
        await _funded(app, user_id)
    px = await _mark(app)
    await _trade(app, other.id, Side.SELL, px)
    await _trade(app, me, Side.BUY, px)

    page = await alice.get("/positions")
    row = _text(page.text, f'data-inst-id="{SWAP}"')
    assert row.startswith(f"{SWAP} Long 2 ") and row.endswith("10× Cross"), row
    leverage = _text(page.text, f'data-inst-id="{SWAP}" data-mgn-mode="cross"')
    assert leverage.startswith(f"{SWAP} Cross Net 10×")

    await alice.post(
        "/positions/leverage", {"env": "live", "inst_id": SWAP, "mgn_mode": "cross", "lever": "20"}
    )
    after = await alice.get("/positions?notice=leverage-set")
    assert _text(after.text, f'data-inst-id="{SWAP}"').endswith("20× Cross")

    await _trade(app, other.id, Side.BUY, px)
    await _trade(app, me, Side.SELL, px)
    closed = await alice.get("/positions")
    assert "No open positions." in closed.text
    history = _text(closed.text, r'data-pos-id="\d+" data-close-type="2"')
    assert history.endswith("Closed") and "Cross" in history
