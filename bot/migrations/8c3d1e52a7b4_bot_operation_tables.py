"""bot operation forms and one-time download links

Revision ID: 8c3d1e52a7b4
Revises: 5a079ac9f575
Create Date: 2026-11-22 15:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ceres_core.models.base

revision: str = '8c3d1e52a7b4'
down_revision: str | Sequence[str] | None = '5a079ac9f575'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bot_operation_form',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('data', sa.JSON(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', ceres_core.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_operation_form'))
    )
    op.create_table('bot_download_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('mime_type', sa.String(length=100), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', ceres_core.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', ceres_core.models.base.AwareDateTime(timezone=True), nullable=False),
    sa.Column('used_at', ceres_core.models.base.AwareDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bot_download_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_bot_download_link_token_hash'))
    )
    with op.batch_alter_table('bot_download_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bot_download_link_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bot_download_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bot_download_link_expires_at'))
    op.drop_table('bot_download_link')
    op.drop_table('bot_operation_form')
