"""The OpenAPI document of sandex's OKX routes, built from a declarative table per route."""

from sandex.transport.okx.openapi.document import OKX_ROUTES, install_okx_openapi, okx_routes, route_key

__all__ = ["OKX_ROUTES", "install_okx_openapi", "okx_routes", "route_key"]
