"""`/api/v5/account/*`, `/api/v5/asset/*` and `/api/v5/users/subaccount/*` (reference §3.2, §4.3, §4.5).

Parameters sandex accepts but does not simulate (margin, loans, derivatives) are listed as OKX has
them; the handlers answer `[]` or ignore them, as documented in docs/api-coverage.md.
"""

from __future__ import annotations

from collections.abc import Mapping

from sandex.domain.funding.model import AccountType, AddrType, Dest, TransferType
from sandex.transport.okx.openapi.trade_routes import TD_MODES
from sandex.transport.okx.openapi.vocab import Doc, Param, digits, flag, limit, one_of, required, text
from sandex.transport.okx.rest.account import MARGIN_MODES
from sandex.transport.okx.rest.trade import INST_TYPES

INST_TYPE = one_of("instType", INST_TYPES)
INST_ID = text("instId", "instrument", example="BTC-USDT")
CCYS = text("ccy", "currencies, comma-separated (at most 20)", example="BTC,USDT")
TD_MODE = one_of("tdMode", TD_MODES, "spot accounts: cash", required=True, example="cash")
CLIENT_ID = text("clientId", "client-supplied id, 1-32 letters or digits")
SUB_ACCT = text("subAcct", "sub-account name")
AFTER_ID, BEFORE_ID = digits("after", "older than this id"), digits("before", "newer than this id")
AFTER_TS, BEFORE_TS = digits("after", "older than this ts (ms)"), digits("before", "newer than this ts (ms)")
BEGIN, END = digits("begin", "from this ts (ms)"), digits("end", "up to this ts (ms)")

_BILLS = (
    INST_TYPE,
    INST_ID,
    text("ccy"),
    one_of("mgnMode", MARGIN_MODES),
    text("ctType"),
    digits("type", "bill type: 1 transfer, 2 trade, ..."),
    digits("subType"),
    AFTER_ID,
    BEFORE_ID,
    BEGIN,
    END,
    limit(100),
)
_MAX_SIZE = (
    *required(text("instId", "1 to 5 instruments, comma-separated", example="BTC-USDT")),
    TD_MODE,
    text("ccy"),
)
_FUNDING_HISTORY = (
    text("ccy"),
    text("txId"),
    one_of("type", ("3", "4"), "3 internal, 4 on chain"),
    Param("state", "state code, e.g. 2 or -1", pattern="^-?[0-9]+$"),
    AFTER_TS,
    BEFORE_TS,
    limit(100),
    CLIENT_ID,
)

ACCOUNT_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/account/config": Doc("Account configuration (with the calling key's perm, ip, label)"),
    "GET /api/v5/account/balance": Doc("Trading-account balance", query=(CCYS,)),
    "GET /api/v5/account/bills": Doc("Bills of the last 7 days", query=_BILLS),
    "GET /api/v5/account/bills-archive": Doc("Bills of the last 3 months", query=_BILLS),
    "GET /api/v5/account/trade-fee": Doc(
        "Fee rates",
        query=(
            *required(INST_TYPE),
            INST_ID,
            text("uly"),
            text("instFamily"),
            one_of("ruleType", ("normal",)),
        ),
    ),
    "GET /api/v5/account/max-size": Doc(
        "Maximum order size", query=(*_MAX_SIZE, text("px", "price (decimal string)"), text("leverage"))
    ),
    "GET /api/v5/account/max-avail-size": Doc(
        "Maximum available size", query=(*_MAX_SIZE, flag("reduceOnly"), text("px"))
    ),
    "GET /api/v5/account/max-withdrawal": Doc(
        "What can move from the trading to the funding account", query=(CCYS,)
    ),
}

ASSET_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/asset/currencies": Doc("Currencies, one row per chain", query=(CCYS,)),
    "GET /api/v5/asset/balances": Doc("Funding-account balance", query=(CCYS,)),
    "GET /api/v5/asset/asset-valuation": Doc(
        "Valuation of both accounts", query=(text("ccy", "default BTC"),)
    ),
    "POST /api/v5/asset/transfer": Doc(
        "Transfer between accounts or users",
        body=(
            *required(text("ccy", example="USDT"), text("amt", "amount (decimal string)", example="1")),
            *required(one_of("from", AccountType, example="18"), one_of("to", AccountType, example="6")),
            one_of("type", TransferType, "default 0"),
            SUB_ACCT,
            flag("loanTrans"),
            flag("omitPosRisk"),
            CLIENT_ID,
        ),
    ),
    "GET /api/v5/asset/transfer-state": Doc(
        "Transfer state (by transId or clientId)",
        query=(text("transId"), CLIENT_ID, one_of("type", TransferType)),
    ),
    "GET /api/v5/asset/bills": Doc(
        "Funding-account bills",
        query=(text("ccy"), digits("type", "bill type"), CLIENT_ID, AFTER_TS, BEFORE_TS, limit(100)),
    ),
    "GET /api/v5/asset/deposit-address": Doc(
        "Deposit addresses", query=required(text("ccy", example="USDT"))
    ),
    "GET /api/v5/asset/deposit-history": Doc(
        "Deposit history", query=(*_FUNDING_HISTORY, text("depId"), text("fromWdId"))
    ),
    "POST /api/v5/asset/withdrawal": Doc(
        "Withdraw (IP-bound key with withdraw permission)",
        body=(
            *required(text("ccy"), text("amt", "amount (decimal string)")),
            *required(one_of("dest", Dest, "3 internal, 4 on chain"), text("toAddr")),
            one_of("toAddrType", AddrType, "default 1"),
            text("chain", "e.g. USDT-TRC20"),
            text("fee", "accepted, ignored: the chain's fee is charged"),
            text("areaCode"),
            CLIENT_ID,
        ),
    ),
    "POST /api/v5/asset/cancel-withdrawal": Doc("Cancel a pending withdrawal", body=required(text("wdId"))),
    "GET /api/v5/asset/withdrawal-history": Doc(
        "Withdrawal history", query=(*_FUNDING_HISTORY, text("wdId"))
    ),
}

USERS_ROUTES: Mapping[str, Doc] = {
    "GET /api/v5/users/subaccount/list": Doc(
        "Sub-accounts (master keys only)",
        query=(flag("enable"), SUB_ACCT, AFTER_TS, BEFORE_TS, limit(100)),
    ),
    "POST /api/v5/users/subaccount/apikey": Doc(
        "Create a sub-account API key (IP-bound master key)",
        body=(
            *required(SUB_ACCT, text("label"), text("passphrase")),
            text("perm", "read_only,trade"),
            text("ip", "up to 20 addresses, comma-separated"),
        ),
    ),
    "GET /api/v5/users/subaccount/apikey": Doc(
        "Sub-account API keys", query=(*required(SUB_ACCT), text("apiKey"))
    ),
    "POST /api/v5/users/subaccount/modify-apikey": Doc(
        "Modify a sub-account API key (IP-bound master key)",
        body=(
            *required(SUB_ACCT, text("apiKey")),
            text("label"),
            text("perm"),
            text("ip", '"" removes every IP'),
        ),
    ),
    "POST /api/v5/users/subaccount/delete-apikey": Doc(
        "Delete a sub-account API key (IP-bound master key)", body=required(SUB_ACCT, text("apiKey"))
    ),
}
