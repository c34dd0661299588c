from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sandex.config import Settings


def test_defaults_are_the_embedded_sqlite_in_the_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SANDEX_DATA_DIR", "SANDEX_DATABASE_URL", "SANDEX_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = Settings()
    assert settings.port == 8000 and settings.host == "127.0.0.1"
    assert settings.resolved_database_url() == f"sqlite:///{Path('sandex-data').resolve() / 'sandex.db'}"


def test_environment_variables_configure_everything(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SANDEX_PORT", "9001")
    monkeypatch.setenv("SANDEX_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SANDEX_RATE_LIMITS", "x10")
    settings = Settings()
    assert (settings.port, settings.data_dir, settings.rate_limits) == (9001, tmp_path, "x10")


@pytest.mark.parametrize("mode", ["fast", "x0", "x-1", "xabc"])
def test_unsafe_rate_limit_modes_are_refused(mode: str) -> None:
    with pytest.raises(ValidationError):
        Settings(rate_limits=mode)


def test_unknown_settings_are_refused() -> None:
    with pytest.raises(ValidationError):
        Settings(databse_url="typo")  # type: ignore[call-arg]
