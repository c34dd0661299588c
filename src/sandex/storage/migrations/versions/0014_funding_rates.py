"""funding rates: one row per swap and settlement (`public/funding-rate-history`), written with the
settlement's postings; the newest row of an instrument is its last settled funding time

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


def downgrade() -> None:
    op.drop_table("funding_rates")
