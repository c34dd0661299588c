"""Every private OKX route declares the permission it needs (read, trade or withdraw)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandex.app import create_app
from sandex.config import Settings
from sandex.domain.keys.model import Permission
from sandex.process import open_runtime
from sandex.transport.okx.auth import RouteInfo, declared_permission, is_public_path, served_routes
from tests.support.db import migrated_data_dir

EXPECTED = {
    "GET /api/v5/account/config": Permission.READ_ONLY,
    "GET /api/v5/asset/currencies": Permission.READ_ONLY,
    "GET /api/v5/users/subaccount/list": Permission.READ_ONLY,
    "GET /api/v5/users/subaccount/apikey": Permission.READ_ONLY,
    "POST /api/v5/users/subaccount/apikey": Permission.TRADE,
    "POST /api/v5/users/subaccount/modify-apikey": Permission.TRADE,
    "POST /api/v5/users/subaccount/delete-apikey": Permission.TRADE,
    # the order writes are plain Starlette routes (hot path): their endpoints carry the declaration
    "POST /api/v5/trade/order": Permission.TRADE,
    "POST /api/v5/trade/batch-orders": Permission.TRADE,
    "POST /api/v5/trade/cancel-order": Permission.TRADE,
    "POST /api/v5/trade/cancel-batch-orders": Permission.TRADE,
    "POST /api/v5/trade/amend-order": Permission.TRADE,
    "POST /api/v5/trade/amend-batch-orders": Permission.TRADE,
    "GET /api/v5/trade/order": Permission.READ_ONLY,
}


def _okx_routes(tmp_path: Path) -> list[tuple[str, RouteInfo]]:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    app = create_app(settings, open_runtime(settings, fast_hashing=True))
    routes = served_routes(app)
    assert any(route.path == "/sandex/docs" for route in routes)  # the enumeration sees every route
    return [(f"{r.method} {r.path}", r) for r in routes if r.path.startswith("/api/v5/")]


def _undeclared(routes: list[tuple[str, RouteInfo]]) -> list[str]:
    private = [(name, route) for name, route in routes if not is_public_path(route.path)]
    assert private, "no private routes found: the enumeration is broken"
    return [name for name, route in private if declared_permission(route) is None]


def test_no_private_route_lacks_a_permission_declaration(tmp_path: Path) -> None:
    undeclared = _undeclared(_okx_routes(tmp_path))
    assert undeclared == [], f"private routes without ReadAuth/TradeAuth/WithdrawAuth: {undeclared}"


def test_the_check_catches_a_forgotten_declaration(tmp_path: Path) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    app = create_app(settings, open_runtime(settings, fast_hashing=True))
    forgetful = APIRouter(prefix="/api/v5/account")
    forgetful.add_api_route("/naked", lambda: {}, methods=["GET"])
    app.include_router(forgetful)
    routes = [(f"{r.method} {r.path}", r) for r in served_routes(app) if r.path.startswith("/api/v5/")]
    assert _undeclared(routes) == ["GET /api/v5/account/naked"]


def test_the_check_catches_a_plain_route_without_a_declaration(tmp_path: Path) -> None:
    settings = Settings(data_dir=migrated_data_dir(tmp_path / "data"), rate_limits="off")
    app = create_app(settings, open_runtime(settings, fast_hashing=True))

    async def naked(_request: Request) -> Response:
        return Response()

    app.router.routes.insert(0, Route("/api/v5/trade/naked", naked, methods=["POST"]))
    routes = [(f"{r.method} {r.path}", r) for r in served_routes(app) if r.path.startswith("/api/v5/")]
    assert _undeclared(routes) == ["POST /api/v5/trade/naked"]


def test_public_routes_need_no_key(tmp_path: Path) -> None:
    public = [name for name, route in _okx_routes(tmp_path) if is_public_path(route.path)]
    assert "GET /api/v5/public/time" in public
    assert all(declared_permission(route) is None for name, route in _okx_routes(tmp_path) if name in public)


def test_the_key_routes_declare_okx_permissions(tmp_path: Path) -> None:
    declared = {name: declared_permission(route) for name, route in _okx_routes(tmp_path)}
    assert {name: declared.get(name) for name in EXPECTED} == EXPECTED
