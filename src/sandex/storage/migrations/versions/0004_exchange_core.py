"""exchange core: ledger accounts, balances, postings, orders, fills, trades, inbox, lease

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 12:00:00.000000

Ledger amounts are NUMERIC(78, 0) on PostgreSQL and TEXT on SQLite (`sandex.storage.types.BigUnits`);
prices and sizes are exact decimal strings (`DecimalText`). The data part creates the two fee
accounts (live, demo) and the sequencer lease row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

BIG = sa.Numeric(78, 0).with_variant(sa.Text(), "sqlite")  # BigUnits
DEC = sa.String(length=48)  # DecimalText


def upgrade() -> None:
    op.create_table(
        "command_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("done_ms", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_command_inbox")),
    )
    with op.batch_alter_table("command_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_command_inbox_state", ["state", "id"], unique=False)

    lease = op.create_table(
        "sequencer_lease",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=128), nullable=False),
        sa.Column("heartbeat_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_sequencer_lease")),
    )
    op.create_table(
        "trades",
        sa.Column("trade_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("px", DEC, nullable=False),
        sa.Column("sz", DEC, nullable=False),
        sa.Column("taker_side", sa.String(length=4), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("trade_id", name=op.f("pk_trades")),
    )
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.create_index("ix_trades_env_inst", ["environment", "inst_id", "trade_id"], unique=False)

    accounts = op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ledger_accounts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("user_id", "environment", "kind", name=op.f("uq_ledger_accounts_user_id")),
    )
    op.create_table(
        "balances",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("available", BIG, nullable=False),
        sa.Column("frozen", BIG, nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_balances_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("account_id", "ccy", name=op.f("pk_balances")),
    )
    op.create_table(
        "fills",
        sa.Column("trade_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("ord_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("bill_id", sa.BigInteger(), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("px", DEC, nullable=False),
        sa.Column("sz", DEC, nullable=False),
        sa.Column("exec_type", sa.String(length=1), nullable=False),
        sa.Column("fee", BIG, nullable=False),
        sa.Column("fee_ccy", sa.String(length=16), nullable=False),
        sa.Column("fee_rate", DEC, nullable=False),
        sa.Column("cl_ord_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_fills_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("trade_id", "ord_id", name=op.f("pk_fills")),
    )
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.create_index("ix_fills_account_bill", ["account_id", "bill_id"], unique=False)
        batch_op.create_index("ix_fills_account_ord", ["account_id", "ord_id"], unique=False)

    op.create_table(
        "orders",
        sa.Column("ord_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("ord_type", sa.String(length=16), nullable=False),
        sa.Column("tgt_ccy", sa.String(length=16), nullable=False),
        sa.Column("td_mode", sa.String(length=16), nullable=False),
        sa.Column("px", DEC, nullable=True),
        sa.Column("sz", DEC, nullable=False),
        sa.Column("acc_fill_sz", DEC, nullable=False),
        sa.Column("fill_notional", DEC, nullable=False),
        sa.Column("fee", BIG, nullable=False),
        sa.Column("fee_ccy", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("stp_mode", sa.String(length=16), nullable=False),
        sa.Column("cancel_cause", sa.String(length=20), nullable=True),
        sa.Column("cl_ord_id", sa.String(length=32), nullable=False),
        sa.Column("tag", sa.String(length=16), nullable=False),
        sa.Column("c_time", sa.BigInteger(), nullable=False),
        sa.Column("u_time", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("last_trade_id", sa.BigInteger(), nullable=True),
        sa.Column("last_fill_px", DEC, nullable=True),
        sa.Column("last_fill_sz", DEC, nullable=True),
        sa.Column("last_fill_time", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_orders_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("ord_id", name=op.f("pk_orders")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index("ix_orders_account_clordid", ["account_id", "cl_ord_id"], unique=False)
        batch_op.create_index("ix_orders_account_ctime", ["account_id", "c_time"], unique=False)
        batch_op.create_index("ix_orders_account_state", ["account_id", "state", "ord_id"], unique=False)
        batch_op.create_index("ix_orders_env_state", ["environment", "state"], unique=False)

    op.create_table(
        "postings",
        sa.Column("bill_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("delta_available", BIG, nullable=False),
        sa.Column("delta_frozen", BIG, nullable=False),
        sa.Column("available_after", BIG, nullable=False),
        sa.Column("frozen_after", BIG, nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.BigInteger(), nullable=False),
        sa.Column("ord_id", sa.BigInteger(), nullable=True),
        sa.Column("inst_id", sa.String(length=32), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name=op.f("fk_postings_account_id_ledger_accounts")
        ),
        sa.PrimaryKeyConstraint("bill_id", name=op.f("pk_postings")),
    )
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.create_index("ix_postings_account_bill", ["account_id", "bill_id"], unique=False)

    # The fee account of each environment and the (free) sequencer lease exist from the start.
    op.bulk_insert(
        accounts,
        [
            {"user_id": None, "environment": "live", "kind": "fee", "created_ms": 0},
            {"user_id": None, "environment": "demo", "kind": "fee", "created_ms": 0},
        ],
    )
    op.bulk_insert(lease, [{"name": "sequencer", "owner": "", "heartbeat_ms": 0}])


def downgrade() -> None:
    with op.batch_alter_table("postings", schema=None) as batch_op:
        batch_op.drop_index("ix_postings_account_bill")
    op.drop_table("postings")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_env_state")
        batch_op.drop_index("ix_orders_account_state")
        batch_op.drop_index("ix_orders_account_ctime")
        batch_op.drop_index("ix_orders_account_clordid")
    op.drop_table("orders")
    with op.batch_alter_table("fills", schema=None) as batch_op:
        batch_op.drop_index("ix_fills_account_ord")
        batch_op.drop_index("ix_fills_account_bill")
    op.drop_table("fills")
    op.drop_table("balances")
    op.drop_table("ledger_accounts")
    with op.batch_alter_table("trades", schema=None) as batch_op:
        batch_op.drop_index("ix_trades_env_inst")
    op.drop_table("trades")
    op.drop_table("sequencer_lease")
    with op.batch_alter_table("command_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_command_inbox_state")
    op.drop_table("command_inbox")
