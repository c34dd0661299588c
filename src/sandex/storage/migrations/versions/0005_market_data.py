"""market data: stored candles, per-environment trade marks, the simulated market's users

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00.000000

Candle prices and volumes are exact decimal strings (`DecimalText`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "market_candles",
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("bar", sa.String(length=8), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("o", DEC, nullable=False),
        sa.Column("h", DEC, nullable=False),
        sa.Column("l", DEC, nullable=False),
        sa.Column("c", DEC, nullable=False),
        sa.Column("vol", DEC, nullable=False),
        sa.Column("vol_ccy", DEC, nullable=False),
        sa.Column("trades", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("environment", "bar", "inst_id", "ts", name=op.f("pk_market_candles")),
    )
    with op.batch_alter_table("market_candles", schema=None) as batch_op:
        batch_op.create_index("ix_market_candles_env_bar_ts", ["environment", "bar", "ts"], unique=False)
    op.create_table(
        "market_candle_marks",
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("last_trade_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("environment", name=op.f("pk_market_candle_marks")),
    )
    op.create_table(
        "market_system_users",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_market_system_users_user_id_users")),
        sa.PrimaryKeyConstraint("role", name=op.f("pk_market_system_users")),
    )


def downgrade() -> None:
    op.drop_table("market_system_users")
    op.drop_table("market_candle_marks")
    with op.batch_alter_table("market_candles", schema=None) as batch_op:
        batch_op.drop_index("ix_market_candles_env_bar_ts")
    op.drop_table("market_candles")
