"""key descriptions and refused requests: a note beside an API key's name (console only; OKX's
API never shows it), and room in the usage log's `code` for why a request was refused

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 22:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default: existing keys get an empty description, and every writer stays valid
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("description", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("api_key_usage", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(8), type_=sa.String(32))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM api_key_usage WHERE length(code) > 8"))  # refusals: no room before
    with op.batch_alter_table("api_key_usage", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(32), type_=sa.String(8))
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("description")
