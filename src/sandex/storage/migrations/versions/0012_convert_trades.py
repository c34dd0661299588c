"""convert trades: the history of `asset/convert/trade`, written with their postings by the sequencer

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "convert_trades",
        sa.Column("trade_no", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("base_ccy", sa.String(length=16), nullable=False),
        sa.Column("quote_ccy", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("fill_px", DEC, nullable=False),
        sa.Column("base_sz", DEC, nullable=False),
        sa.Column("quote_sz", DEC, nullable=False),
        sa.Column("cl_t_req_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_convert_trades_user_id_users")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_convert_trades_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("trade_no", name=op.f("pk_convert_trades")),
    )
    with op.batch_alter_table("convert_trades", schema=None) as batch_op:
        batch_op.create_index("ix_convert_trades_user_ts", ["user_id", "environment", "ts"])
        batch_op.create_index("ix_convert_trades_user_client", ["user_id", "environment", "cl_t_req_id"])


def downgrade() -> None:
    op.drop_table("convert_trades")
