"""postings: a partial index on the deposit postings' ref (the deposit id), so a start reads the
highest deposit id from a few index entries instead of scanning every posting (seconds with
millions of them); only deposit postings are in it, so the order path's inserts skip it

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

DEPOSITS_ONLY = sa.text("reason = 'deposit'")


def upgrade() -> None:
    op.create_index(
        "ix_postings_deposit_ref",
        "postings",
        ["ref"],
        sqlite_where=DEPOSITS_ONLY,
        postgresql_where=DEPOSITS_ONLY,
    )


def downgrade() -> None:
    op.drop_index("ix_postings_deposit_ref", table_name="postings")
