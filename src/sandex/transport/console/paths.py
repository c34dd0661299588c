"""Which URLs are the console's: every path but the machine-facing ones the app mounts beside it.

The OKX REST API (`/api/v5/...`), the OKX WebSockets (`/ws/v5/...`, `/demo/ws/v5/...`), sandex's own
documents and control API (`/sandex/...`) and the static files keep their own error answers (JSON,
or a bare status); every other path, known or not, is answered with a page.
"""

from __future__ import annotations

NOT_CONSOLE = ("/api/", "/ws/", "/demo/ws/", "/sandex/", "/static/")


def is_console_path(path: str) -> bool:
    # `/api` alone belongs to the API as much as `/api/v5/...` does
    return not (path.rstrip("/") + "/").startswith(NOT_CONSOLE)
