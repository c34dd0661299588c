"""usage log lines coalesce: a count and the last request's time per line

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 12:00:00.000000

One row now stands for every request with the same method, path and client IP within one flush
window (about a second), so a busy bot's usage log costs a few rows a second, not hundreds.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_key_usage") as batch:
        batch.add_column(sa.Column("count", sa.Integer(), server_default="1", nullable=False))
        batch.add_column(sa.Column("last_ts_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_key_usage") as batch:
        batch.drop_column("last_ts_ms")
        batch.drop_column("count")
