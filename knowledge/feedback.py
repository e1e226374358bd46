"""Learning from use: record the questions the bot could not answer well.

``record_unanswered`` is called when the matcher answered ``none``;
``record_unhelpful`` when the user said the article shown did not help.
``top_unanswered`` lists the most frequent ones for the support team.

Privacy: only the text the user typed is stored, after removing e-mail
addresses and phone numbers; no user id, no chat id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ceres_core.core import Core
from ceres_core.errors import InvalidInput
from knowledge.models import (
    NORMALISED_MAX,
    REASON_NONE,
    REASON_UNHELPFUL,
    REASONS,
    UnansweredQuestion,
)
from knowledge.text import normalise

EXAMPLE_MAX = 1000

# The local part starts only where no local-part character precedes it: without that
# look-behind the search restarts inside every run of letters and scans it to its end
# (quadratic: ~100 s on 200,000 characters); with it, each character is looked at a
# bounded number of times. The matches are the same (the leftmost start of a run
# always wins).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Phone numbers: French (01 46 29 25 54, 06.12.34.56.78) and international
# (+33 6 12 34 56 78, 0033 1 ...). A SIRET, the centre de reprise's
# 0000000000000 or a session id are not phone numbers and are kept.
_PHONE = re.compile(
    r"(?<![\w])(?:(?:\+|00)[1-9]\d{0,2}[\s.-]?(?:\(0\)[\s.-]?)?[1-9]|0[1-9])"
    r"(?:[\s.-]?\d{2}){4}(?![\w])"
)

EMAIL_PLACEHOLDER = "[e-mail]"
PHONE_PLACEHOLDER = "[téléphone]"


def scrub(text: str) -> str:
    """The text without e-mail addresses and phone numbers."""
    text = _EMAIL.sub(EMAIL_PLACEHOLDER, text)
    return _PHONE.sub(PHONE_PLACEHOLDER, text)


def normalised_key(question: str) -> str:
    """The grouping key of a question: scrubbed and normalised (may be empty)."""
    return normalise(scrub(question))[:NORMALISED_MAX].strip()


@dataclass(frozen=True)
class UnansweredStat:
    """A line of the "unanswered questions" report."""

    normalised: str
    example: str
    reason: str
    topic: str | None
    count: int
    first_seen: datetime
    last_seen: datetime

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.example,
            "normalised": self.normalised,
            "reason": self.reason,
            "topic": self.topic,
            "count": self.count,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
        }


def _stat(row: UnansweredQuestion) -> UnansweredStat:
    return UnansweredStat(
        row.normalised, row.example, row.reason, row.topic, row.count, row.first_seen, row.last_seen
    )


def _record(core: Core, question: str, reason: str, topic: str | None) -> UnansweredStat | None:
    key = normalised_key(question)
    if not key:
        return None  # nothing typed worth keeping
    example = " ".join(scrub(question).split())[:EXAMPLE_MAX]
    for attempt in range(2):
        now = core.clock.now()
        try:
            with core.transaction() as session:
                row = session.scalars(
                    select(UnansweredQuestion).where(
                        UnansweredQuestion.normalised == key, UnansweredQuestion.reason == reason
                    )
                ).one_or_none()
                if row is None:
                    row = UnansweredQuestion(
                        normalised=key,
                        reason=reason,
                        example=example,
                        topic=topic,
                        count=1,
                        first_seen=now,
                        last_seen=now,
                    )
                    session.add(row)
                else:
                    row.count += 1
                    row.example = example
                    row.last_seen = now
                    if topic is not None:
                        row.topic = topic
                session.flush()
                return _stat(row)
        except IntegrityError:
            # Another instance inserted the same key meanwhile: update it instead.
            if attempt:
                raise
    return None  # pragma: no cover - unreachable


def record_unanswered(core: Core, question: str) -> UnansweredStat | None:
    """Count a question the matcher answered ``none``. Blank questions are ignored."""
    return _record(core, question, REASON_NONE, None)


def record_unhelpful(core: Core, question: str, topic: str) -> UnansweredStat | None:
    """Count a question whose answer (article ``topic``) the user said did not help."""
    if not topic or topic == "none":
        raise InvalidInput("Indiquez le sujet de la réponse jugée inutile.")
    return _record(core, question, REASON_UNHELPFUL, topic)


def top_unanswered(core: Core, limit: int = 20, reason: str | None = None) -> list[UnansweredStat]:
    """The most frequent recorded questions, most frequent (then most recent) first."""
    if limit < 1:
        raise InvalidInput("Le nombre de questions à afficher doit être au moins 1.")
    if reason is not None and reason not in REASONS:
        raise InvalidInput(
            f"Motif inconnu « {reason} » : choisissez « {REASON_NONE} » ou « {REASON_UNHELPFUL} »."
        )
    stmt = select(UnansweredQuestion)
    if reason is not None:
        stmt = stmt.where(UnansweredQuestion.reason == reason)
    stmt = stmt.order_by(
        UnansweredQuestion.count.desc(),
        UnansweredQuestion.last_seen.desc(),
        UnansweredQuestion.id,
    ).limit(limit)
    with core.transaction() as session:
        return [_stat(row) for row in session.scalars(stmt)]
