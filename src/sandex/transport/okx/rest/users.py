"""`/api/v5/users/subaccount/*`: a master lists its sub-accounts and manages their API keys.

Reference §3.2. Master keys only (59500). Creating, modifying and deleting keys also needs the
master's key to be bound to IP addresses (50035). Service calls block (database, argon2), so they
run in a worker thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from sandex.domain.errors import Reason, Rejected
from sandex.domain.keys.rules import CreateKeyRequest, EditKeyRequest
from sandex.services.accounts.service import AccountsService
from sandex.services.accounts.views import SubAccountView
from sandex.services.keys.auth import Principal
from sandex.services.keys.subaccounts import SubAccountKeysService
from sandex.services.keys.views import KeyInfo
from sandex.transport.okx import exact_json
from sandex.transport.okx.auth import ReadAuth, TradeAuthIpBound
from sandex.transport.okx.context import Ctx, OkxContext
from sandex.transport.okx.envelope import OkxRejection, fail, ok
from sandex.transport.okx.params import query_int, query_limit

router = APIRouter(prefix="/api/v5/users/subaccount", tags=["sub-accounts"])

OptionalQuery = Annotated[str | None, Query()]
LIST_LIMIT = 100


# --- sub-account keys ------------------------------------------------------------------------------
@router.post("/apikey")
async def create_apikey(request: Request, ctx: Ctx, principal: TradeAuthIpBound) -> Response:
    service = _keys(ctx, principal)
    body = await _body(request)
    name, label, passphrase = (
        _required(body, "subAcct"),
        _required(body, "label"),
        _required(body, "passphrase"),
    )
    wanted = CreateKeyRequest(label, passphrase, _optional(body, "perm") or "", _optional(body, "ip") or "")
    created = await run_in_threadpool(service.create, principal.user_id, name, wanted, principal.environment)
    if isinstance(created, Rejected):
        return fail(created)
    info = created.info
    return ok(
        [
            {
                "subAcct": name,
                "label": info.label,
                "apiKey": info.api_key,
                "secretKey": created.secret,
                "passphrase": created.passphrase,
                "perm": info.perm_text,
                "ip": info.ip_text,
                "ts": str(info.created_ms),
            }
        ]
    )


@router.get("/apikey")
async def get_apikeys(
    ctx: Ctx,
    principal: ReadAuth,
    sub_acct: Annotated[str, Query(alias="subAcct")],
    api_key: Annotated[str | None, Query(alias="apiKey")] = None,
) -> Response:
    service = _keys(ctx, principal)
    found = await run_in_threadpool(
        service.list, principal.user_id, sub_acct, principal.environment, api_key or None
    )
    if isinstance(found, Rejected):
        return fail(found)
    return ok([_key_wire(info) for info in found])


@router.post("/modify-apikey")
async def modify_apikey(request: Request, ctx: Ctx, principal: TradeAuthIpBound) -> Response:
    service = _keys(ctx, principal)
    body = await _body(request)
    name, api_key = _required(body, "subAcct"), _required(body, "apiKey")
    # "ip": "" removes every IP (reference §3.2); an absent or null ip leaves them as they are.
    ip = body.get("ip")
    edit = EditKeyRequest(
        label=_optional(body, "label"),
        perm=_optional(body, "perm"),
        ip=None if ip is None else _text(ip, "ip"),
    )
    edited = await run_in_threadpool(
        service.update, principal.user_id, name, api_key, edit, principal.environment
    )
    if isinstance(edited, Rejected):
        return fail(edited)
    return ok([{"subAcct": name, "apiKey": edited.api_key, **_key_wire(edited)}])


@router.post("/delete-apikey")
async def delete_apikey(request: Request, ctx: Ctx, principal: TradeAuthIpBound) -> Response:
    service = _keys(ctx, principal)
    body = await _body(request)
    name, api_key = _required(body, "subAcct"), _required(body, "apiKey")
    deleted = await run_in_threadpool(service.delete, principal.user_id, name, api_key, principal.environment)
    if isinstance(deleted, Rejected):
        return fail(deleted)
    return ok([{"subAcct": name}])


# --- sub-account list ------------------------------------------------------------------------------
@router.get("/list")
async def list_subaccounts(
    ctx: Ctx,
    principal: ReadAuth,
    enable: OptionalQuery = None,
    sub_acct: Annotated[str | None, Query(alias="subAcct")] = None,
    after: OptionalQuery = None,
    before: OptionalQuery = None,
    limit: OptionalQuery = None,
) -> Response:
    accounts = _accounts(ctx, principal)
    enabled = _flag(enable, "enable")
    after_ms, before_ms = query_int(after, "after"), query_int(before, "before")
    size = query_limit(limit, LIST_LIMIT, LIST_LIMIT)
    found = await run_in_threadpool(
        lambda: accounts.list_subaccounts(
            principal.user_id,
            enable=enabled,
            name=sub_acct or None,
            after_ms=after_ms,
            before_ms=before_ms,
            limit=size,
        )
    )
    return ok([_sub_wire(sub) for sub in found])


# --- wire shapes ---------------------------------------------------------------------------------
def _key_wire(info: KeyInfo) -> dict[str, Any]:
    return {
        "label": info.label,
        "apiKey": info.api_key,
        "perm": info.perm_text,
        "ip": info.ip_text,
        "ts": str(info.created_ms),
    }


def _sub_wire(sub: SubAccountView) -> dict[str, Any]:
    return {
        "type": "1",
        "enable": sub.enabled,
        "subAcct": sub.name,
        "uid": sub.uid,
        "label": sub.label,
        "mobile": "",
        "gAuth": sub.totp_enabled,
        "frozenFunc": [],
        "canTransOut": sub.can_transfer_out,
        "ts": str(sub.created_ms),
        "subAcctLv": "1",
        "firstLvSubAcct": sub.name,
        "ifDma": False,
    }


# --- request parsing -----------------------------------------------------------------------------
def _master(principal: Principal) -> None:
    if principal.is_sub_account:
        raise OkxRejection(Rejected.of(Reason.MASTER_ONLY))


def _keys(ctx: OkxContext, principal: Principal) -> SubAccountKeysService:
    _master(principal)
    if ctx.subaccount_keys is None:
        raise RuntimeError("sub-account key routes served without their service")
    return ctx.subaccount_keys


def _accounts(ctx: OkxContext, principal: Principal) -> AccountsService:
    _master(principal)
    if ctx.accounts is None:
        raise RuntimeError("sub-account routes served without the accounts service")
    return ctx.accounts


async def _body(request: Request) -> Mapping[str, Any]:
    raw = await request.body()  # already read (and signed over) by the auth dependency
    if not raw.strip():
        raise OkxRejection(Rejected.of(Reason.BODY_EMPTY))
    try:
        body = exact_json.loads(raw)
    except exact_json.JsonSyntaxError:
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX)) from None
    if not isinstance(body, dict):
        raise OkxRejection(Rejected.of(Reason.JSON_SYNTAX))
    return body


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise OkxRejection(Rejected.of(Reason.PARAM_ERROR, field=name))
    return value


def _optional(body: Mapping[str, Any], name: str) -> str | None:
    """A string field; `""` and null mean "not given" (python-okx sends both for unset fields)."""
    value = body.get(name)
    if value is None or value == "":
        return None
    return _text(value, name)


def _required(body: Mapping[str, Any], name: str) -> str:
    value = _optional(body, name)
    if value is None:
        raise OkxRejection(Rejected.of(Reason.PARAM_EMPTY, field=name))
    return value


def _flag(value: str | None, name: str) -> bool | None:
    if not value:
        return None
    if value not in ("true", "false"):
        raise OkxRejection(Rejected.of(Reason.PARAM_ERROR, field=name))
    return value == "true"
