"""How the dashboard writes dates, durations and SLA countdowns (French)."""

from __future__ import annotations

from datetime import datetime

from ceres_core import values
from ceres_core.clock import PARIS


def fr_datetime(value: datetime | None) -> str:
    """``22/11/2026 10:05`` (Paris time); empty for ``None``."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return value.strftime("%d/%m/%Y %H:%M")


def fr_time(value: datetime) -> str:
    """``10:05`` (Paris time), like the times of :func:`fr_datetime`."""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return value.strftime("%H:%M")


fr_date = values.fr_date


def duration(minutes: float | None) -> str:
    """``1 h 20``, ``45 min``, ``3 h``; empty for ``None``."""
    if minutes is None:
        return ""
    total = int(round(abs(minutes)))
    hours, mins = divmod(total, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins:02d}" if mins else f"{hours} h"


def countdown(sla) -> tuple[str, str]:
    """(text, tone) of a ticket's SLA countdown in opening time.

    ``"1 h 20 restantes"``, ``"dépassé de 2 h"``, ``"en pause"``; tone is one of
    ``late``, ``soon`` (less than an opening hour left), ``ok``, ``none``.
    """
    if sla is None:
        return "", "none"
    remaining = sla.remaining_minutes
    if remaining is None:
        return ("en pause", "none") if sla.paused else ("—", "none")
    if sla.overdue or remaining < 0:
        return f"dépassé de {duration(remaining) if remaining else '0 min'}", "late"
    text = f"{duration(remaining)} restante{'s' if remaining >= 2 else ''}"
    return text, "soon" if remaining < 60 else "ok"


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    text = f"{value:.1f}".replace(".", ",").removesuffix(",0")
    return f"{text} %"


def decimal(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",")
