"""reminders: the pass that claimed a sent reminder

Revision ID: b215138e55cc
Revises: 586a61f80145
Create Date: 2026-12-07 18:51:30.678669
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b215138e55cc'
down_revision: str | Sequence[str] | None = '586a61f80145'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('bot_sent_reminder', sa.Column('claimed_by', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bot_sent_reminder') as batch_op:
        batch_op.drop_column('claimed_by')
