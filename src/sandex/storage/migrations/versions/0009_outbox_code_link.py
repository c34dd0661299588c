"""outbox code link: which email code a mail carries, so the dev outbox can blank spent codes

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 18:30:00.000000
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Mail recorded before this revision names no code, so nothing could ever tell when its code is
# spent: blank the digits now (as services.mail.redact_code does; copied, migrations stay frozen).
_CODE_LINE = re.compile(r"^Verification code: (\d{6})$", re.MULTILINE)
_SPENT = "Verification code: ****** (no longer valid: used, expired or replaced by a newer code)"


def upgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code_id", sa.Integer(), nullable=True))
    outbox = sa.table("mail_outbox", sa.column("id", sa.Integer()), sa.column("body", sa.Text()))
    connection = op.get_bind()
    for mail_id, body in connection.execute(sa.select(outbox.c.id, outbox.c.body)).all():
        blanked = _CODE_LINE.sub(_SPENT, body)
        if blanked != body:
            connection.execute(outbox.update().where(outbox.c.id == mail_id).values(body=blanked))


def downgrade() -> None:
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("code_id")
