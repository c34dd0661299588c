"""the sequencer lease counts commits: API processes' replicas apply the batches after the count they loaded at

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 08:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sequencer_lease", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commit_seq", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sequencer_lease", schema=None) as batch_op:
        batch_op.drop_column("commit_seq")
