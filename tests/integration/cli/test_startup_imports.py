"""Start-up imports only what the process needs: no Alembic when the schema is current, no redis
without a Redis URL, no web stack for a command that does not serve, no exchange for `sandex user
…`/`sandex keys …`, and no exchange built by a command a running server applies (`deposit`,
`user fee-tier`, `market …`) or that needs none (`reset` without a server).

Each check runs in a fresh interpreter: `sys.modules` of the test process holds everything already."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sandex.config import Settings
from sandex.process import open_runtime
from sandex.testing.server import serve_in_thread
from tests.support.apps import settings_for

EXCHANGE = ("sandex.services.exchange.core", "sandex.runtime.market", "sandex.services.funding.service")
# What building the exchange (`open_runtime`) loads; its tables and commands alone load none of it.
BUILT_EXCHANGE = (
    "sandex.services.exchange.factory",
    "sandex.runtime.market",
    "sandex.services.funding.service",
)
# Only `sandex serve` needs these: migrations run only for an old schema, redis only with its URL.
SERVER_ONLY = ("alembic", "redis", "fastapi", "starlette", "uvicorn", "jinja2")


def _cli_run(data_dir: Path, *commands: tuple[str, ...]) -> str:
    """Code running `sandex COMMAND … --data-dir DATA_DIR` for each command, in one interpreter."""
    lines = [
        "from typer.main import get_command",
        "from sandex.cli.main import app",
        "cli = get_command(app)",
        "def run(*argv):",
        "    assert cli.main(list(argv), standalone_mode=False) in (None, 0), argv",
    ]
    lines += [f"run(*{[*command, '--data-dir', str(data_dir)]!r})" for command in commands]
    return "\n".join(lines)


def _loaded_after(code: str, data_dir: Path, watched: tuple[str, ...]) -> list[str]:
    """Which of `watched` are imported once `code` ran in a new interpreter (`settings` is given)."""
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from sandex.config import Settings\n"
        f"settings = Settings(data_dir=Path({str(data_dir)!r}), rate_limits='off')\n"
        f"{code}\n"
        f"print(json.dumps([name for name in {watched!r} if name in sys.modules]))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(done.stdout.splitlines()[-1])
    return loaded


def _migrated(tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    open_runtime(Settings(data_dir=data_dir, rate_limits="off")).engine.dispose()
    return data_dir


def test_an_app_on_a_current_database_without_redis_loads_neither_alembic_nor_redis(tmp_path: Path) -> None:
    data_dir = _migrated(tmp_path)
    code = "from sandex.app import create_app\ncreate_app(settings)"
    assert _loaded_after(code, data_dir, ("alembic", "redis")) == []


def test_a_new_database_is_still_migrated_through_alembic(tmp_path: Path) -> None:
    code = "from sandex.process import open_runtime\nopen_runtime(settings)"
    assert _loaded_after(code, tmp_path / "fresh", ("alembic",)) == ["alembic"]


def test_a_redis_url_loads_redis(tmp_path: Path) -> None:
    data_dir = _migrated(tmp_path)
    code = (
        "from sandex.app import create_app\n"
        "shared = {'redis_url': 'redis://127.0.0.1:1/0', 'rate_limits': 'okx'}\n"
        "settings = settings.model_copy(update=shared)\n"
        "create_app(settings)"
    )
    assert _loaded_after(code, data_dir, ("redis",)) == ["redis"]


def test_user_and_key_commands_run_without_loading_the_exchange(tmp_path: Path) -> None:
    data_dir = _migrated(tmp_path)
    dd = f"'--data-dir', {str(data_dir)!r}"
    code = (
        "from typer.main import get_command\n"
        "from sandex.cli.main import app\n"
        "cli = get_command(app)\n"
        "def run(*argv):\n"
        "    assert cli.main(list(argv), standalone_mode=False) in (None, 0), argv\n"
        f"run('user', 'add', 'a@example.com', '--password', 'Passw0rd!long', {dd})\n"
        f"run('key', 'add', 'a@example.com', '--label', 'bot', '--passphrase', 'Passw0rd!', {dd})\n"
        f"run('key', 'list', 'a@example.com', {dd})\n"
        f"run('user', 'list', {dd})"
    )
    assert _loaded_after(code, data_dir, EXCHANGE) == []


def test_help_of_every_command_group_loads_neither_the_database_nor_the_web_stack(tmp_path: Path) -> None:
    standalone = "standalone_mode=False"
    groups = ["user", "subaccount", "mail", "key", "keys", "market", "funding-rate", "tls", "deposit"]
    groups += ["reset", "serve", "admin-token"]
    code = "\n".join(
        [
            "import contextlib",
            "from typer.main import get_command",
            "from sandex.cli.main import app",
            "cli = get_command(app)",
            *(
                f"with contextlib.suppress(SystemExit): cli.main([{group!r}, '--help'], {standalone})"
                for group in groups
            ),
        ]
    )
    watched = ("sqlalchemy", "sandex.storage.db", *SERVER_ONLY, *EXCHANGE)
    assert _loaded_after(code, tmp_path / "unused", watched) == []


def test_commands_a_running_server_applies_build_no_exchange_and_load_no_web_stack(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", market=True, seed=3)
    with serve_in_thread(settings):
        code = _cli_run(
            settings.data_dir,
            ("user", "add", "a@example.com", "--password", "Passw0rd!long"),
            ("deposit", "a@example.com", "USDT", "100"),
            ("user", "fee-tier", "a@example.com", "--maker", "0.0001"),
            ("user", "account-mode", "a@example.com", "futures"),
            ("user", "position-mode", "a@example.com", "long_short"),
            ("market", "widen", "BTC-USDT", "2"),
            ("market", "show", "BTC-USDT"),
        )
        assert _loaded_after(code, settings.data_dir, (*BUILT_EXCHANGE, *SERVER_ONLY)) == []


def test_reset_without_a_server_builds_no_exchange(tmp_path: Path) -> None:
    data_dir = _migrated(tmp_path)
    code = _cli_run(data_dir, ("reset", "--yes"))
    assert _loaded_after(code, data_dir, (*BUILT_EXCHANGE, *SERVER_ONLY)) == []
