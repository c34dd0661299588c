"""`/sandex/v1/users…` and `/sandex/v1/keys…`: users, sub-accounts, API keys and deposits.

Blocking calls (database, argon2) are plain `def` routes, which FastAPI runs in a worker thread.
"""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter
from starlette.responses import Response

from sandex.domain.accounts.model import UserStatus
from sandex.domain.errors import Rejected
from sandex.services.control.service import NewKey
from sandex.transport.control.context import ControlCtx
from sandex.transport.control.errors import ControlFailure, ControlJSON, refusal
from sandex.transport.control.schemas import (
    ChainDepositBody,
    DepositBody,
    FeeTierBody,
    NewKeyBody,
    NewSubAccountBody,
    NewUserBody,
    UserStatusBody,
)
from sandex.transport.control.views import (
    created_key_json,
    created_user_json,
    deposit_json,
    fee_tier_json,
    key_json,
    plain,
    subaccount_json,
    user_json,
)

T = TypeVar("T")

router = APIRouter(tags=["accounts"])
NO_FUNDING = "chain deposits need the funding service, which is not running"
NO_TRADING = "fee tiers need the trading service, which is not running"


def require(outcome: T | Rejected) -> T:
    if isinstance(outcome, Rejected):
        raise refusal(outcome)
    return outcome


# --- users -----------------------------------------------------------------------------------------
@router.post("/users", status_code=201)
def create_user(ctx: ControlCtx, body: NewUserBody) -> Response:
    created = require(ctx.service.create_user(body.email, body.password))
    return ControlJSON(created_user_json(created), status_code=201)


@router.get("/users")
def list_users(ctx: ControlCtx) -> Response:
    return ControlJSON({"users": [user_json(user) for user in ctx.service.list_users()]})


@router.get("/users/{uid}")
def get_user(ctx: ControlCtx, uid: str) -> Response:
    return ControlJSON(user_json(require(ctx.service.get_user(uid))))


@router.post("/users/{uid}/status")
def set_user_status(ctx: ControlCtx, uid: str, body: UserStatusBody) -> Response:
    user = require(ctx.service.set_user_status(uid, UserStatus(body.status)))
    return ControlJSON(user_json(user))


@router.post("/users/{uid}/subaccounts", status_code=201)
def create_subaccount(ctx: ControlCtx, uid: str, body: NewSubAccountBody) -> Response:
    sub = require(ctx.service.create_subaccount(uid, body.name, body.label))
    return ControlJSON(user_json(sub), status_code=201)


@router.get("/users/{uid}/subaccounts")
def list_subaccounts(ctx: ControlCtx, uid: str) -> Response:
    subs = require(ctx.service.list_subaccounts(uid))
    return ControlJSON({"subaccounts": [subaccount_json(sub) for sub in subs]})


# --- keys ------------------------------------------------------------------------------------------
@router.post("/users/{uid}/keys", status_code=201)
def create_key(ctx: ControlCtx, uid: str, body: NewKeyBody) -> Response:
    new = NewKey(body.label, body.passphrase, body.perm, body.ip, body.demo, body.expires_ms)
    created = require(ctx.service.create_key(uid, new))
    return ControlJSON(created_key_json(created), status_code=201)


@router.get("/users/{uid}/keys")
def list_keys(ctx: ControlCtx, uid: str) -> Response:
    keys = require(ctx.service.list_keys(uid))
    return ControlJSON({"keys": [key_json(info) for info in keys]})


@router.get("/keys/{api_key}")
def get_key(ctx: ControlCtx, api_key: str) -> Response:
    return ControlJSON(key_json(require(ctx.service.get_key(api_key))))


@router.post("/keys/{api_key}/revoke")
def revoke_key(ctx: ControlCtx, api_key: str) -> Response:
    return ControlJSON(key_json(require(ctx.service.revoke_key(api_key))))


@router.delete("/keys/{api_key}")
def delete_key(ctx: ControlCtx, api_key: str) -> Response:
    return ControlJSON(key_json(require(ctx.service.delete_key(api_key))))


# --- money -----------------------------------------------------------------------------------------
@router.post("/users/{uid}/deposits", status_code=201)
async def deposit(ctx: ControlCtx, uid: str, body: DepositBody) -> Response:
    if not ctx.service.can_deposit:
        raise ControlFailure(501, "unavailable", "deposits need the trading service, which is not running")
    if body.chain is not None and not ctx.service.can_chain_deposit:
        raise ControlFailure(501, "unavailable", NO_FUNDING)
    amount = str(body.amount)
    done = require(await ctx.service.deposit(uid, body.ccy, amount, demo=body.demo, chain=body.chain))
    return ControlJSON(deposit_json(done), status_code=201)


@router.put("/users/{uid}/fee-tier")
async def set_fee_tier(ctx: ControlCtx, uid: str, body: FeeTierBody) -> Response:
    """The user's own maker/taker rates and level (live and demo), from their next fill on."""
    if not ctx.service.can_deposit:
        raise ControlFailure(501, "unavailable", NO_TRADING)
    tier = require(await ctx.service.set_fee_tier(uid, maker=body.maker, taker=body.taker, level=body.level))
    return ControlJSON(fee_tier_json(uid, tier))


@router.delete("/users/{uid}/fee-tier")
async def reset_fee_tier(ctx: ControlCtx, uid: str) -> Response:
    """Back on the default tier."""
    if not ctx.service.can_deposit:
        raise ControlFailure(501, "unavailable", NO_TRADING)
    return ControlJSON(fee_tier_json(uid, require(await ctx.service.set_fee_tier(uid))))


@router.post("/chain-deposits", status_code=201)
async def chain_deposit(ctx: ControlCtx, body: ChainDepositBody) -> Response:
    """Credit a deposit address (as `asset/deposit-address` gave it): the deposit, in state 0."""
    if not ctx.service.can_chain_deposit:
        raise ControlFailure(501, "unavailable", NO_FUNDING)
    service = ctx.service
    done = require(
        await service.credit_address(body.chain, body.addr, body.tag, str(body.amount), demo=body.demo)
    )
    return ControlJSON({"deposit": plain(done)}, status_code=201)
