"""The report page: per queue of the staff member, over a period, and the questions
the bot could not answer."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from ceres_core.errors import InvalidInput
from knowledge.feedback import top_unanswered
from tickets.services import report
from tickets.web.helpers import call, render, session_of, staff_view
from tickets.web.keys import CORE, REPORT_SECTIONS, SETTINGS

PRESETS = {
    "mois": "ce mois-ci",
    "mois-precedent": "le mois dernier",
    "30-jours": "les 30 derniers jours",
    "annee": "les 12 derniers mois",
}


def _parse_date(value: str, label: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidInput(f"Date {label} invalide : « {value} » (format attendu : JJ/MM/AAAA).") from None


def period(query, today: date) -> tuple[date, date, str]:
    """(first day, last day included, preset) from the page's parameters."""
    preset = query.get("periode") or ""
    start, end = query.get("du") or "", query.get("au") or ""
    if start or end:
        first = _parse_date(start, "de début") if start else today.replace(day=1)
        last = _parse_date(end, "de fin") if end else today
        if last < first:
            raise InvalidInput("La date de fin précède la date de début.")
        if (last - first).days > 3 * 366:
            raise InvalidInput("Choisissez une période de trois ans au plus.")
        return first, last, ""
    if preset == "mois-precedent":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last, preset
    if preset == "30-jours":
        return today - timedelta(days=29), today, preset
    if preset == "annee":
        first = date(today.year - 1, today.month, 1)
        return first, today, preset
    if preset and preset != "mois":
        raise InvalidInput(f"Période inconnue : « {preset} ».")
    return today.replace(day=1), today, "mois"


@staff_view
async def report_page(request: web.Request) -> web.StreamResponse:
    today = request.app[CORE].clock.today()
    first, last, preset = period(request.query, today)
    result = await call(request, report, session_of(request).login, first, last + timedelta(days=1))
    unanswered = await call(request, top_unanswered, request.app[SETTINGS]["unanswered_limit"])
    extras = [await call(request, section, result.since, result.until)
              for section in request.app[REPORT_SECTIONS]]
    return render(request, "report.html", {
        "r": result, "first": first, "last": last, "preset": preset, "presets": PRESETS,
        "unanswered": unanswered, "extras": extras,
    })
