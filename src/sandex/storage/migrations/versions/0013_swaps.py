"""perpetual swaps: positions (one row per pos_id, kept after closing), account settings, leverages;
swap columns on orders, fills and postings (bills)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BIG = sa.Numeric(78, 0).with_variant(sa.Text(), "sqlite")  # BigUnits
DEC = sa.String(length=48)  # DecimalText


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["ledger_accounts.id"], name=op.f(f"fk_{table}_account_id_ledger_accounts")
    )


def upgrade() -> None:
    op.create_table(
        "positions",
        sa.Column("pos_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("mgn_mode", sa.String(length=8), nullable=False),
        sa.Column("pos_side", sa.String(length=8), nullable=False),
        sa.Column("pos", DEC, nullable=False),
        sa.Column("avg_px", DEC, nullable=False),
        sa.Column("cost", BIG, nullable=False),
        sa.Column("margin", BIG, nullable=False),
        sa.Column("lever", DEC, nullable=False),
        sa.Column("realized_pnl", BIG, nullable=False),
        sa.Column("pnl", BIG, nullable=False),
        sa.Column("fee", BIG, nullable=False),
        sa.Column("funding_fee", BIG, nullable=False),
        sa.Column("liq_penalty", BIG, nullable=False),
        sa.Column("c_time", sa.BigInteger(), nullable=False),
        sa.Column("u_time", sa.BigInteger(), nullable=False),
        sa.Column("trade_id", sa.BigInteger(), nullable=True),
        sa.Column("open_max_pos", DEC, nullable=False),
        sa.Column("close_total_pos", DEC, nullable=False),
        sa.Column("close_cost", BIG, nullable=False),
        sa.Column("close_avg_px", DEC, nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("close_type", sa.Integer(), nullable=True),
        sa.Column("trigger_px", DEC, nullable=True),
        _account_fk("positions"),
        sa.PrimaryKeyConstraint("pos_id", name=op.f("pk_positions")),
    )
    with op.batch_alter_table("positions", schema=None) as batch_op:
        batch_op.create_index("ix_positions_account_state", ["account_id", "state", "inst_id"])
        batch_op.create_index("ix_positions_env_state", ["environment", "state"])
        batch_op.create_index("ix_positions_account_utime", ["account_id", "u_time"])
    op.create_table(
        "account_settings",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("acct_lv", sa.String(length=2), nullable=False),
        sa.Column("pos_mode", sa.String(length=20), nullable=False),
        sa.Column("u_time", sa.BigInteger(), nullable=False),
        _account_fk("account_settings"),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_account_settings")),
    )
    op.create_table(
        "leverages",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("mgn_mode", sa.String(length=8), nullable=False),
        sa.Column("pos_side", sa.String(length=8), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("lever", DEC, nullable=False),
        _account_fk("leverages"),
        sa.PrimaryKeyConstraint("account_id", "inst_id", "mgn_mode", "pos_side", name=op.f("pk_leverages")),
    )
    # server defaults: existing orders, fills and postings are spot ones
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pos_side", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("reduce_only", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("lever", DEC, nullable=True))
        batch_op.add_column(sa.Column("pnl", BIG, nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("category", sa.String(length=24), nullable=False, server_default="normal")
        )
        batch_op.add_column(sa.Column("reserve_rate", DEC, nullable=True))
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pos_side", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("fill_pnl", BIG, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("fill_mark_px", DEC, nullable=True))
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sub_type", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("pnl", BIG, nullable=True))
        batch_op.add_column(sa.Column("pos_bal_chg", BIG, nullable=True))
        batch_op.add_column(sa.Column("sz", DEC, nullable=True))
        batch_op.add_column(sa.Column("px", DEC, nullable=True))
        batch_op.add_column(sa.Column("mgn_mode", sa.String(length=8), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        for column in ("mgn_mode", "px", "sz", "pos_bal_chg", "pnl", "sub_type"):
            batch_op.drop_column(column)
    with op.batch_alter_table("fills", schema=None) as batch_op:
        for column in ("fill_mark_px", "fill_pnl", "pos_side"):
            batch_op.drop_column(column)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        for column in ("reserve_rate", "category", "pnl", "lever", "reduce_only", "pos_side"):
            batch_op.drop_column(column)
    op.drop_table("leverages")
    op.drop_table("account_settings")
    op.drop_table("positions")
