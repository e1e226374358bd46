"""Persistence of the questions the knowledge base could not answer well.

One row per (normalised question, reason): the bot answered ``none``
(reason ``"none"``) or the user said the answer shown did not help (reason
``"unhelpful"``, with the topic shown). The support team reads the most frequent
ones (``ceres-assist kb unanswered``) to write or improve articles and the lexicon.
Only what the user typed is kept, with e-mail addresses and phone numbers removed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ceres_core.models.base import Base

REASON_NONE = "none"
REASON_UNHELPFUL = "unhelpful"
REASONS = (REASON_NONE, REASON_UNHELPFUL)

#: Longest normalised text kept (the key); longer questions are cut.
NORMALISED_MAX = 500


class UnansweredQuestion(Base):
    """A question answered ``none`` or marked unhelpful, counted by normalised text."""

    __tablename__ = "kb_unanswered_question"
    __table_args__ = (UniqueConstraint("normalised", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: accent-free, lowercase, punctuation-free text: the grouping key.
    normalised: Mapped[str] = mapped_column(String(NORMALISED_MAX))
    #: ``"none"`` or ``"unhelpful"``.
    reason: Mapped[str] = mapped_column(String(16))
    #: the last question typed with this normalised text (personal data removed).
    example: Mapped[str] = mapped_column(Text)
    #: the topic id shown when the user said it did not help (reason "unhelpful").
    topic: Mapped[str | None] = mapped_column(String(64), default=None)
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<UnansweredQuestion {self.reason} x{self.count} {self.normalised!r}>"
