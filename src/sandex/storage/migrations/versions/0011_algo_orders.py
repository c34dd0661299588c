"""algo orders: the `algo_orders` table (TP/SL, oco, trigger and trailing orders, and TP/SL attached
to an order until it fills), and on `orders` the algo order that placed one and OKX's `source`

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 23:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "algo_orders",
        sa.Column("algo_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("ord_type", sa.String(length=20), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("sz", DEC, nullable=False),
        sa.Column("tgt_ccy", sa.String(length=16), nullable=True),
        sa.Column("td_mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("algo_cl_ord_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("c_time", sa.BigInteger(), nullable=False),
        sa.Column("u_time", sa.BigInteger(), nullable=False),
        sa.Column("tp_trigger_px", DEC, nullable=True),
        sa.Column("tp_ord_px", DEC, nullable=True),
        sa.Column("sl_trigger_px", DEC, nullable=True),
        sa.Column("sl_ord_px", DEC, nullable=True),
        sa.Column("trigger_px", DEC, nullable=True),
        sa.Column("ord_px", DEC, nullable=True),
        sa.Column("callback_ratio", DEC, nullable=True),
        sa.Column("callback_spread", DEC, nullable=True),
        sa.Column("active_px", DEC, nullable=True),
        sa.Column("activated", sa.Boolean(), nullable=False),
        sa.Column("extreme_px", DEC, nullable=True),
        sa.Column("move_trigger_px", DEC, nullable=True),
        sa.Column("last_px", DEC, nullable=True),
        sa.Column("ord_id", sa.BigInteger(), nullable=True),
        sa.Column("actual_sz", DEC, nullable=True),
        sa.Column("actual_px", DEC, nullable=True),
        sa.Column("actual_side", sa.String(length=4), nullable=True),
        sa.Column("trigger_time", sa.BigInteger(), nullable=True),
        sa.Column("fail_code", sa.String(length=32), nullable=False),
        sa.Column("parent_ord_id", sa.BigInteger(), nullable=True),
        sa.Column("attach_algo_cl_ord_id", sa.String(length=32), nullable=False),
        sa.Column("waiting", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_algo_orders_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("algo_id", name=op.f("pk_algo_orders")),
    )
    with op.batch_alter_table("algo_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_algo_orders_account_clordid", ["account_id", "algo_cl_ord_id"], unique=False
        )
        batch_op.create_index(
            "ix_algo_orders_account_state", ["account_id", "state", "algo_id"], unique=False
        )
        batch_op.create_index("ix_algo_orders_env_state", ["environment", "state"], unique=False)
        batch_op.create_index("ix_algo_orders_parent", ["parent_ord_id"], unique=False)
    # server_default: existing orders were placed by their users (no algo order, no source)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("algo_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column("algo_cl_ord_id", sa.String(length=32), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("source", sa.String(length=4), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("source")
        batch_op.drop_column("algo_cl_ord_id")
        batch_op.drop_column("algo_id")
    op.drop_table("algo_orders")
