"""swap algo orders: on `algo_orders` the position side, `closeFraction`, `cxlOnClosePos`, each
leg's trigger price type (last, mark, index), a trigger order's watched price when placed, and an
attached TP limit order's kind and order id

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    # server_default: existing algo orders are spot ones (no position, last price)
    with op.batch_alter_table("algo_orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pos_side", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("close_fraction", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("cxl_on_close_pos", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        for name in ("tp_trigger_px_type", "sl_trigger_px_type", "trigger_px_type"):
            batch_op.add_column(sa.Column(name, sa.String(length=8), nullable=False, server_default="last"))
        batch_op.add_column(sa.Column("placed_px", DEC, nullable=True))
        batch_op.add_column(
            sa.Column("tp_ord_kind", sa.String(length=12), nullable=False, server_default="condition")
        )
        batch_op.add_column(sa.Column("linked_ord_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("algo_orders", schema=None) as batch_op:
        for name in (
            "linked_ord_id",
            "tp_ord_kind",
            "placed_px",
            "trigger_px_type",
            "sl_trigger_px_type",
            "tp_trigger_px_type",
            "cxl_on_close_pos",
            "close_fraction",
            "pos_side",
        ):
            batch_op.drop_column(name)
