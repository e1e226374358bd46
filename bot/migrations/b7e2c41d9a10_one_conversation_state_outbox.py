"""one conversation state per chat (mode + data), bot reply outbox, seen updates,
confirmations owned by a Telegram user

Revision ID: b7e2c41d9a10
Revises: b215138e55cc
Create Date: 2026-12-07 18:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ceres_core.models.base

revision: str = 'b7e2c41d9a10'
down_revision: str | Sequence[str] | None = 'b215138e55cc'  # after main's reminders migrations
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_dt = ceres_core.models.base.AwareDateTime


def upgrade() -> None:
    # The three per-chat states become one (bot.conversation): walks in progress,
    # forms and drafts are transient and are not carried over.
    op.drop_table('bot_operation_form')
    op.drop_table('bot_ticket_draft')
    op.execute("DELETE FROM bot_conversation")
    with op.batch_alter_table('bot_conversation', schema=None) as batch_op:
        batch_op.drop_column('procedure')
        batch_op.add_column(sa.Column('mode', sa.String(length=16), nullable=False,
                                      server_default='idle'))
        batch_op.add_column(sa.Column('data', sa.JSON(), nullable=True))
    with op.batch_alter_table('bot_pending_operation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('telegram_user_id', sa.BigInteger(), nullable=True))
    op.create_table('bot_outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('html', sa.Text(), nullable=False),
    sa.Column('reply_markup', sa.JSON(), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('document', sa.LargeBinary(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', _dt(timezone=True), nullable=False),
    sa.Column('lease_until', _dt(timezone=True), nullable=True),
    sa.Column('sent_at', _dt(timezone=True), nullable=True),
    sa.Column('telegram_message_id', sa.BigInteger(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_outbox'))
    )
    op.create_index('ix_bot_outbox_pending', 'bot_outbox', ['sent_at', 'chat_id'], unique=False)
    op.create_table('bot_seen_update',
    sa.Column('update_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('claimed_at', _dt(timezone=True), nullable=False),
    sa.Column('done_at', _dt(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('update_id', name=op.f('pk_bot_seen_update'))
    )


def downgrade() -> None:
    op.drop_table('bot_seen_update')
    op.drop_index('ix_bot_outbox_pending', table_name='bot_outbox')
    op.drop_table('bot_outbox')
    with op.batch_alter_table('bot_pending_operation', schema=None) as batch_op:
        batch_op.drop_column('telegram_user_id')
    op.execute("DELETE FROM bot_conversation")
    with op.batch_alter_table('bot_conversation', schema=None) as batch_op:
        batch_op.drop_column('data')
        batch_op.drop_column('mode')
        batch_op.add_column(sa.Column('procedure', sa.JSON(), nullable=True))
    op.create_table('bot_ticket_draft',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('awaiting', sa.String(length=16), nullable=True),
    sa.Column('created_at', _dt(timezone=True), nullable=False),
    sa.Column('expires_at', _dt(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_ticket_draft'))
    )
    op.create_table('bot_operation_form',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', _dt(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_operation_form'))
    )
