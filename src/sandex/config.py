"""One typed settings object: `SANDEX_*` environment variables, overridden by CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything a sandex process needs to start. Built once, passed down; never a global."""

    model_config = SettingsConfigDict(env_prefix="SANDEX_", extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    data_dir: Path = Path("./sandex-data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite (WAL) in the data dir"
    )
    catalogue: Path | None = Field(default=None, description="instrument catalogue JSON to use instead")
    redis_url: str | None = None
    smtp_url: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    allowed_hosts: tuple[str, ...] = Field(
        default=(), description="Host names served besides localhost and --host ('*': any; DNS rebinding)"
    )
    rate_limits: str = Field(default="okx", description="off | okx | xN (scale OKX's limits by N)")
    admin_token: str | None = None
    master_key: str | None = Field(default=None, description="base64 AES-256 key for API secrets at rest")
    log_level: str = "info"
    # the simulated market (issue "Market data")
    market: bool = Field(default=True, description="run the built-in market maker and taker flow")
    seed: int | None = Field(default=None, description="seed of the simulated market: same seed, same trades")
    volatility: float = Field(default=0.5, ge=0, le=10, description="annualised volatility of the prices")
    backfill_hours: int | None = Field(
        default=None,
        ge=0,
        le=2160,
        description="hours of synthetic trades and candles made on start for instruments with no history "
        "(unset: 24 with the simulated market on, none with it off; 0: none)",
    )
    tape_days: int = Field(
        default=90, ge=1, le=90, description="days of public trades kept (OKX history-trades: 3 months)"
    )
    tls: bool = Field(default=False, description="serve https:// and wss:// with the data dir's local CA")
    header_timeout: float = Field(
        default=10.0, gt=0, le=600, description="seconds a client has to send a whole request (head and body)"
    )
    # several processes on one database (docs/architecture.md, decision 7)
    role: str = Field(
        default="all",
        description="all: one process does everything; sequencer: the one writer, answering API "
        "processes over NATS; api: serves the API, forwards commands to the sequencer",
    )
    nats_url: str | None = Field(default=None, description="NATS server of the cluster roles")
    cluster: str | None = Field(
        default=None, description="NATS subject name of this database's processes (default: from its URL)"
    )

    @field_validator("role")
    @classmethod
    def _known_role(cls, value: str) -> str:
        if value not in ("all", "sequencer", "api"):
            raise ValueError("role must be all, sequencer or api")
        return value

    @field_validator("rate_limits")
    @classmethod
    def _rate_limit_mode(cls, value: str) -> str:
        if value in ("off", "okx"):
            return value
        if value.startswith("x"):
            try:
                if float(value[1:]) > 0:
                    return value
            except ValueError:
                pass
        raise ValueError("rate_limits must be off, okx or xN with N > 0 (e.g. x10)")

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'sandex.db').resolve()}"

    @property
    def uses_sqlite(self) -> bool:
        return self.resolved_database_url().startswith("sqlite")
