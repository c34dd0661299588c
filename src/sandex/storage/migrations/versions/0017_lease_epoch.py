"""the sequencer lease's epoch: one more on every takeover (a fencing token and a count of failovers)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sequencer_lease", schema=None) as batch_op:
        batch_op.add_column(sa.Column("epoch", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("sequencer_lease", schema=None) as batch_op:
        batch_op.drop_column("epoch")
