"""`/api/v5/asset/*` (private): the funding account (reference §4.5).

Currencies (ccxt's `load_markets` reads them), funding balances and valuation, transfers between
accounts and users (types 0-4), deposit addresses and history, withdrawals (withdraw permission on
an IP-bound key), their cancellation and history, and the funding account's bills.

Every route declares its permission (auth) and is charged its budget: per UID by the auth
dependency, except `asset/transfer`, budgeted per UID + ccy, which only the body names: its handler
charges it and answers OKX's own 58102 when it is spent.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.domain.funding.lifecycle import unlock_confirmations
from sandex.domain.funding.model import TransferType
from sandex.domain.funding.withdrawals import DEFAULT_DAILY_QUOTA_USD, DEFAULT_MAX_WD
from sandex.domain.instruments import Chain, Currency
from sandex.domain.money import format_decimal
from sandex.services.funding.service import FundingService
from sandex.services.funding.views import BillKind, Funder, HistoryFilter, QuotaView
from sandex.services.keys.auth import Principal
from sandex.transport.okx.auth import ReadAuth, TradeAuth, WithdrawAuthIpBound
from sandex.transport.okx.client_ip import client_ip
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection, ok
from sandex.transport.okx.funding_wire import (
    address_wire,
    balance_wire,
    bill_wire,
    deposit_wire,
    parse_transfer,
    parse_withdrawal,
    transfer_ack_wire,
    transfer_state_wire,
    valuation_wire,
    withdrawal_ack_wire,
    withdrawal_wire,
)
from sandex.transport.okx.params import (
    bad,
    enum_value,
    in_wire_words,
    json_body,
    missing,
    query_int,
    query_limit,
    query_list,
    required_text,
)
from sandex.transport.okx.trade_wire import num

router = APIRouter(prefix="/api/v5/asset", tags=["asset"])

WITHDRAW_QUOTA = format_decimal(DEFAULT_DAILY_QUOTA_USD)  # without a funding service: the default (USD)
MAX_WD = format_decimal(DEFAULT_MAX_WD)  # per withdrawal, in the currency (OKX `maxWd`)
MAX_BALANCE_CCYS = 20
TRANSFER_ROUTE = "POST /api/v5/asset/transfer"


def funding_of(ctx: OkxContext) -> FundingService:
    if ctx.funding is None:
        raise RuntimeError("asset routes served without the funding service")
    return ctx.funding


def funder_of(principal: Principal) -> Funder:
    """A demo key acts on the demo environment: the environment is part of who funds."""
    return Funder(principal.user_id, principal.environment, principal.is_sub_account)


def _answer(found: Any) -> Any:
    if isinstance(found, Rejected):
        raise OkxRejection(in_wire_words(found))
    return found


# --- currencies, balances, valuation -------------------------------------------------------------
@router.get("/currencies")
async def get_currencies(
    ctx: Ctx, principal: ReadAuth, ccy: Annotated[str | None, Query()] = None
) -> Response:
    currencies = ctx.catalogue.catalogue.currencies
    wanted = [c.strip() for c in ccy.split(",")] if ccy else list(currencies)
    chosen = [currencies[code] for code in wanted if code in currencies]
    quota = None
    if ctx.funding is not None:
        quota = await run_in_threadpool(ctx.funding.quota, funder_of(principal))
    return ok(
        [
            chain_wire(currency, chain, i == 0, quota)
            for currency in chosen
            for i, chain in enumerate(currency.chains)
        ]
    )


def chain_wire(
    currency: Currency, chain: Chain, main: bool, quota: QuotaView | None = None
) -> dict[str, Any]:
    """One currency on one chain (reference §4.5); deprecated fee fields repeat the fee. Arrival
    and unlock confirmations are what simulated deposits wait for (see `domain.funding.lifecycle`)."""
    fee = format_decimal(chain.wd_fee)
    arrival = chain.confirmations
    wd_quota = WITHDRAW_QUOTA if quota is None else num(quota.quota_usd)
    used = "0" if quota is None else num(quota.used_usd)
    return {
        "burningFeeRate": "",
        "canDep": True,
        "canInternal": True,
        "canWd": True,
        "ccy": currency.ccy,
        "chain": chain.name,
        "ctAddr": "",
        "depEstOpenTime": "",
        "depQuotaFixed": "",
        "depQuoteDailyLayer2": "",
        "fee": fee,
        "logoLink": "",
        "mainNet": main,
        "maxFee": fee,
        "maxFeeForCtAddr": fee,
        "maxWd": MAX_WD,
        "minDep": format_decimal(chain.min_dep),
        "minDepArrivalConfirm": str(arrival),
        "minFee": fee,
        "minFeeForCtAddr": fee,
        "minInternal": "0",
        "minWd": format_decimal(chain.min_wd),
        "minWdUnlockConfirm": str(unlock_confirmations(arrival)),
        "name": currency.name,
        "needTag": chain.needs_tag,
        "usedDepQuotaFixed": "",
        "usedWdQuota": used,
        "wdEstOpenTime": "",
        "wdQuota": wd_quota,
        "wdTickSz": str(chain.wd_tick_sz),
    }


@router.get("/balances")
async def get_balances(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    ccys = query_list(request.query_params.get("ccy"), "ccy", MAX_BALANCE_CCYS)
    rows = await run_in_threadpool(funding_of(ctx).balances, funder_of(principal), ccys or None)
    return ok([balance_wire(row) for row in rows])


@router.get("/asset-valuation")
async def get_asset_valuation(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    ccy = request.query_params.get("ccy") or None
    found = await run_in_threadpool(funding_of(ctx).valuation, funder_of(principal), ccy)
    return ok([valuation_wire(_answer(found))])


# --- transfers -----------------------------------------------------------------------------------
@router.post("/transfer")
async def post_transfer(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    await _charge_transfer(request, ctx, principal, body.get("ccy"))
    transfer = parse_transfer(body)
    done = await funding_of(ctx).transfer(funder_of(principal), transfer)
    return ok([transfer_ack_wire(_answer(done))])


async def _charge_transfer(request: Request, ctx: OkxContext, principal: Principal, ccy: object) -> None:
    """2 requests/s per UID and currency (OKX answers 58102 with HTTP 429 past it)."""
    limits = ctx.rate_limits
    if limits is None or not limits.enabled:
        return
    ip = client_ip(request, ctx.trusted_proxies)
    refused = await limits.check(TRANSFER_ROUTE, ip=ip, uid=principal.uid, ccy=str(ccy or ""))
    if refused is not None:
        raise OkxRejection(Rejected(Reason.TRANSFER_RATE_LIMITED))


@router.get("/transfer-state")
async def get_transfer_state(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    kind = query.get("type") or None
    wanted_type = None if kind is None else enum_value(kind, "type", TransferType)
    found = await run_in_threadpool(
        funding_of(ctx).transfer_state,
        funder_of(principal),
        query.get("transId") or None,
        query.get("clientId") or None,
        wanted_type,
    )
    rows = _answer(found)
    if not rows:  # OKX: 58129 naming the id it looked for (transId wins when both are given)
        field = "transId" if query.get("transId") else "clientId"
        raise OkxRejection(Rejected.of(Reason.TRANSFER_PARAM_MISMATCH, field=field))
    return ok([transfer_state_wire(view) for view in rows])


@router.get("/bills")
async def get_bills(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    query = request.query_params
    kind_text = query.get("type") or None
    if kind_text is not None and not (kind_text.isascii() and kind_text.isdigit()):
        raise bad("type")
    kind = next((k for k in BillKind if k.value == kind_text), None)
    after, before = query_int(query.get("after"), "after"), query_int(query.get("before"), "before")
    size = query_limit(query.get("limit"))
    if kind_text is not None and kind is None:
        return ok([])  # a bill type sandex never books
    ccy, client_id = query.get("ccy") or None, query.get("clientId") or None
    service, who = funding_of(ctx), funder_of(principal)
    found = await run_in_threadpool(
        lambda: service.bills(
            who, kind=kind, ccy=ccy, client_id=client_id, after=after, before=before, limit=size
        )
    )
    return ok([bill_wire(view) for view in found])


# --- deposits ------------------------------------------------------------------------------------
@router.get("/deposit-address")
async def get_deposit_address(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    ccy = request.query_params.get("ccy")
    if not ccy:
        raise missing("ccy")
    found = await run_in_threadpool(
        funding_of(ctx).deposit_addresses, funder_of(principal), principal.uid, ccy
    )
    return ok([address_wire(view) for view in _answer(found)])


@router.get("/deposit-history")
async def get_deposit_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    wanted = _history(request, "depId")
    found = await run_in_threadpool(funding_of(ctx).deposit_history, funder_of(principal), wanted)
    return ok([deposit_wire(view) for view in _answer(found)])


# --- withdrawals ---------------------------------------------------------------------------------
@router.post("/withdrawal")
async def post_withdrawal(request: Request, ctx: Ctx, principal: WithdrawAuthIpBound) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    done = await funding_of(ctx).withdraw(funder_of(principal), parse_withdrawal(body))
    return ok([withdrawal_ack_wire(_answer(done))])


@router.post("/cancel-withdrawal")
async def post_cancel_withdrawal(request: Request, ctx: Ctx, principal: TradeAuth) -> Response:
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad("body")
    wd_id = required_text(body, "wdId")
    done = await funding_of(ctx).cancel_withdrawal(funder_of(principal), wd_id)
    return ok([{"wdId": _answer(done)}])


@router.get("/withdrawal-history")
async def get_withdrawal_history(request: Request, ctx: Ctx, principal: ReadAuth) -> Response:
    wanted = _history(request, "wdId")
    found = await run_in_threadpool(funding_of(ctx).withdrawal_history, funder_of(principal), wanted)
    return ok([withdrawal_wire(view) for view in _answer(found)])


def _history(request: Request, id_name: str) -> HistoryFilter:
    """deposit-history / withdrawal-history query: `after`/`before` are ts cursors, limit <= 100."""
    query = request.query_params
    kind = query.get("type") or None
    if kind is not None and kind not in ("3", "4"):
        raise bad("type")
    state = query.get("state") or None
    if state is not None and not (state.lstrip("-").isascii() and state.lstrip("-").isdigit()):
        raise bad("state")
    return HistoryFilter(
        ccy=query.get("ccy") or None,
        record_id=query.get(id_name) or None,
        client_id=query.get("clientId") or None,
        tx_id=query.get("txId") or None,
        kind=kind,
        state=state,
        from_wd_id=query.get("fromWdId") or None,
        after=query_int(query.get("after"), "after"),
        before=query_int(query.get("before"), "before"),
        limit=query_limit(query.get("limit")),
    )
