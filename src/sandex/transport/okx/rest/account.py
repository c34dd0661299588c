"""`/api/v5/account/*` (private). For now the account configuration; balances come with trading."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from sandex.services.auth import Principal
from sandex.transport.okx.auth import ReadAuth
from sandex.transport.okx.envelope import ok

router = APIRouter(prefix="/api/v5/account", tags=["account"])


@router.get("/config")
async def get_config(principal: ReadAuth) -> Response:
    return ok([config_wire(principal)])


def config_wire(principal: Principal) -> dict[str, Any]:
    """Reference §4.3. sandex accounts are spot mode (acctLv 1), net mode, Lv1 fees; `perm`, `ip` and
    `label` are those of the calling key, as on OKX."""
    return {
        "acctLv": "1",
        "acctStpMode": "cancel_maker",
        "autoLoan": False,
        "ctIsoMode": "automatic",
        "enableSpotBorrow": False,
        "feeType": "0",
        "greeksType": "PA",
        "ip": principal.ip_text,
        "kycLv": "1",
        "label": principal.label,
        "level": "Lv1",
        "levelTmp": "",
        "liquidationGear": "-1",
        "mainUid": principal.main_uid,
        "mgnIsoMode": "automatic",
        "opAuth": "0",
        "perm": principal.perm_text,
        "posMode": "net_mode",
        "roleType": "0",
        "settleCcy": "",
        "settleCcyList": [],
        "spotBorrowAutoRepay": False,
        "spotOffsetType": "",
        "spotRoleType": "0",
        "spotTraderInsts": [],
        "traderInsts": [],
        "type": "1" if principal.is_sub_account else "0",
        "uid": principal.uid,
    }
