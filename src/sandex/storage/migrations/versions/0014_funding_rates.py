"""funding rates and liquidations: one row per swap and settlement (`public/funding-rate-history`),
written with the settlement's postings (the newest row of a swap is its last settled funding time);
one row per liquidated position (`public/liquidation-orders`)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "funding_rates",
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("funding_time", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("funding_rate", DEC, nullable=False),
        sa.Column("realized_rate", DEC, nullable=False),
        sa.Column("formula_type", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("inst_id", "funding_time", name=op.f("pk_funding_rates")),
    )
    op.create_table(
        "liquidations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("pos_side", sa.String(length=8), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("sz", DEC, nullable=False),
        sa.Column("bk_px", DEC, nullable=False),
        sa.Column("bk_loss", DEC, nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("category", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liquidations")),
    )
    with op.batch_alter_table("liquidations", schema=None) as batch_op:
        batch_op.create_index("ix_liquidations_env_inst_ts", ["environment", "inst_id", "ts"])


def downgrade() -> None:
    op.drop_table("liquidations")
    op.drop_table("funding_rates")
