"""knowledge: questions answered none or marked unhelpful

Revision ID: 5c1e0b7a9d21
Revises:
Create Date: 2026-11-22 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ceres_core.models.base

revision: str = "5c1e0b7a9d21"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = ("knowledge",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kb_unanswered_question",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("normalised", sa.String(length=500), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("example", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=True),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column(
            "first_seen", ceres_core.models.base.AwareDateTime(timezone=True), nullable=False
        ),
        sa.Column(
            "last_seen", ceres_core.models.base.AwareDateTime(timezone=True), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kb_unanswered_question")),
        sa.UniqueConstraint(
            "normalised", "reason", name=op.f("uq_kb_unanswered_question_normalised")
        ),
    )


def downgrade() -> None:
    op.drop_table("kb_unanswered_question")
