"""fee tiers: an account's own maker/taker rates, written by the sequencer with its commits

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 13:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "fee_tiers",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("maker", DEC, nullable=False),
        sa.Column("taker", DEC, nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_fee_tiers_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_fee_tiers")),
    )


def downgrade() -> None:
    op.drop_table("fee_tiers")
