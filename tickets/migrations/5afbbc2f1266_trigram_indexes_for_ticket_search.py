"""trigram indexes for ticket search

Search over all of a queue's tickets read every ticket of the queue at 100,000
tickets (``LIKE '%…%'`` on the folded subject/requester and on the number); on
PostgreSQL these GIN trigram indexes answer it (plain indexes on SQLite, as for
``ix_helpdesk_messages_text_trgm``).

Revision ID: 5afbbc2f1266
Revises: 64227270389f
Create Date: 2026-12-07 21:09:12.622134
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '5afbbc2f1266'
down_revision: str | Sequence[str] | None = '64227270389f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with op.batch_alter_table('helpdesk_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_helpdesk_tickets_number_trgm', ['number'], unique=False,
                              postgresql_using='gin', postgresql_ops={'number': 'gin_trgm_ops'})
        batch_op.create_index('ix_helpdesk_tickets_search_trgm', ['search_folded'], unique=False,
                              postgresql_using='gin',
                              postgresql_ops={'search_folded': 'gin_trgm_ops'})


def downgrade() -> None:
    with op.batch_alter_table('helpdesk_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_helpdesk_tickets_search_trgm')
        batch_op.drop_index('ix_helpdesk_tickets_number_trgm')
