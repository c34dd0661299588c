"""funding: transfers, withdrawals, deposits, deposit addresses, withdrawal allow-lists

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 12:00:00.000000

Amounts are NUMERIC(78, 0) on PostgreSQL and TEXT on SQLite (`BigUnits`); the USD value of a
withdrawal is an exact decimal string (`DecimalText`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BIG = sa.Numeric(78, 0).with_variant(sa.Text(), "sqlite")  # BigUnits
DEC = sa.String(length=48)  # DecimalText


def _user_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f(f"fk_{table}_user_id_users"))


def _account_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["account_id"], ["ledger_accounts.id"], name=op.f(f"fk_{table}_account_id_ledger_accounts")
    )


def upgrade() -> None:
    op.create_table(
        "funding_transfers",
        sa.Column("trans_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=2), nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("amount", BIG, nullable=False),
        sa.Column("src_user", sa.Integer(), nullable=False),
        sa.Column("src", sa.String(length=2), nullable=False),
        sa.Column("dst_user", sa.Integer(), nullable=False),
        sa.Column("dst", sa.String(length=2), nullable=False),
        sa.Column("sub_acct", sa.String(length=32), nullable=False),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        _user_fk("funding_transfers"),
        sa.PrimaryKeyConstraint("trans_id", name=op.f("pk_funding_transfers")),
    )
    with op.batch_alter_table("funding_transfers", schema=None) as batch_op:
        batch_op.create_index("ix_funding_transfers_user_client", ["user_id", "environment", "client_id"])
        batch_op.create_index("ix_funding_transfers_src_user", ["src_user"])
        batch_op.create_index("ix_funding_transfers_dst_user", ["dst_user"])

    op.create_table(
        "funding_withdrawals",
        sa.Column("wd_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("amount", BIG, nullable=False),
        sa.Column("fee", BIG, nullable=False),
        sa.Column("dest", sa.String(length=1), nullable=False),
        sa.Column("to_addr", sa.String(length=160), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("addr_type", sa.String(length=1), nullable=False),
        sa.Column("receiver_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("tx_id", sa.String(length=80), nullable=False),
        sa.Column("usd_value", DEC, nullable=False),
        sa.Column("from_text", sa.String(length=254), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        _account_fk("funding_withdrawals"),
        _user_fk("funding_withdrawals"),
        sa.PrimaryKeyConstraint("wd_id", name=op.f("pk_funding_withdrawals")),
    )
    with op.batch_alter_table("funding_withdrawals", schema=None) as batch_op:
        batch_op.create_index("ix_funding_withdrawals_user_created", ["user_id", "environment", "created_ms"])
        batch_op.create_index("ix_funding_withdrawals_user_client", ["user_id", "environment", "client_id"])
        batch_op.create_index("ix_funding_withdrawals_state", ["state"])

    op.create_table(
        "funding_deposits",
        sa.Column("dep_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("ccy", sa.String(length=16), nullable=False),
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("amount", BIG, nullable=False),
        sa.Column("dep_type", sa.String(length=1), nullable=False),
        sa.Column("to_addr", sa.String(length=160), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("from_text", sa.String(length=254), nullable=False),
        sa.Column("from_wd_id", sa.BigInteger(), nullable=True),
        sa.Column("tx_id", sa.String(length=80), nullable=False),
        sa.Column("state", sa.String(length=4), nullable=False),
        sa.Column("arrival", sa.Integer(), nullable=False),
        sa.Column("unlock", sa.Integer(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        _account_fk("funding_deposits"),
        _user_fk("funding_deposits"),
        sa.PrimaryKeyConstraint("dep_id", name=op.f("pk_funding_deposits")),
    )
    with op.batch_alter_table("funding_deposits", schema=None) as batch_op:
        batch_op.create_index("ix_funding_deposits_user_created", ["user_id", "environment", "created_ms"])
        batch_op.create_index("ix_funding_deposits_state", ["state"])

    op.create_table(
        "deposit_addresses",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("environment", sa.String(length=8), nullable=False),
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("addr", sa.String(length=160), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        _user_fk("deposit_addresses"),
        sa.PrimaryKeyConstraint("user_id", "environment", "chain", name=op.f("pk_deposit_addresses")),
    )
    with op.batch_alter_table("deposit_addresses", schema=None) as batch_op:
        batch_op.create_index("ix_deposit_addresses_lookup", ["environment", "chain", "addr", "tag"])

    op.create_table(
        "withdraw_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("chain", sa.String(length=48), nullable=False),
        sa.Column("addr", sa.String(length=160), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=50), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        _user_fk("withdraw_addresses"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_withdraw_addresses")),
        sa.UniqueConstraint("user_id", "chain", "addr", "tag", name=op.f("uq_withdraw_addresses_user_id")),
    )


def downgrade() -> None:
    op.drop_table("withdraw_addresses")
    with op.batch_alter_table("deposit_addresses", schema=None) as batch_op:
        batch_op.drop_index("ix_deposit_addresses_lookup")
    op.drop_table("deposit_addresses")
    with op.batch_alter_table("funding_deposits", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_deposits_state")
        batch_op.drop_index("ix_funding_deposits_user_created")
    op.drop_table("funding_deposits")
    with op.batch_alter_table("funding_withdrawals", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_withdrawals_state")
        batch_op.drop_index("ix_funding_withdrawals_user_client")
        batch_op.drop_index("ix_funding_withdrawals_user_created")
    op.drop_table("funding_withdrawals")
    with op.batch_alter_table("funding_transfers", schema=None) as batch_op:
        batch_op.drop_index("ix_funding_transfers_dst_user")
        batch_op.drop_index("ix_funding_transfers_src_user")
        batch_op.drop_index("ix_funding_transfers_user_client")
    op.drop_table("funding_transfers")
