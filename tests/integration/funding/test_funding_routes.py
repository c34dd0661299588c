"""Every `asset/*` route declares OKX's permission; the withdrawal also needs an IP-bound key."""

from __future__ import annotations

from pathlib import Path

from sandex.app import create_app
from sandex.config import Settings
from sandex.domain.keys.model import Permission
from sandex.process import open_runtime
from sandex.transport.okx.auth import declared_permission, served_routes
from tests.support.db import migrated_data_dir

R, T, W = Permission.READ_ONLY, Permission.TRADE, Permission.WITHDRAW
EXPECTED = {
    "GET /api/v5/asset/currencies": R,
    "GET /api/v5/asset/balances": R,
    "GET /api/v5/asset/asset-valuation": R,
    "POST /api/v5/asset/transfer": T,
    "GET /api/v5/asset/transfer-state": R,
    "GET /api/v5/asset/bills": R,
    "GET /api/v5/asset/deposit-address": R,
    "GET /api/v5/asset/deposit-history": R,
    "POST /api/v5/asset/withdrawal": W,
    "POST /api/v5/asset/cancel-withdrawal": T,
    "GET /api/v5/asset/withdrawal-history": R,
    "GET /api/v5/asset/convert/currencies": R,
    "GET /api/v5/asset/convert/currency-pair": R,
    "POST /api/v5/asset/convert/estimate-quote": T,
    "POST /api/v5/asset/convert/trade": T,
    "GET /api/v5/asset/convert/history": R,
}


def test_asset_routes_declare_okx_permissions(tmp_path: Path) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    routes = served_routes(create_app(settings, open_runtime(settings, fast_hashing=True)))
    declared = {f"{r.method} {r.path}": r for r in routes if r.path.startswith("/api/v5/asset/")}
    assert {name: declared_permission(route) for name, route in declared.items()} == EXPECTED
    withdrawal = declared["POST /api/v5/asset/withdrawal"].dependant
    assert withdrawal is not None
    names = [d.call.__name__ for d in withdrawal.dependencies if d.call is not None]
    assert "require_withdraw_ip_bound" in names  # a key without IP binding gets 50035
