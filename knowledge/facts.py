"""Numbers of the rules, read from the core, for the articles and procedures.

A delay or a limit of the rules is written once, in the core: ``ceres_core.settings.Rules``
(the configurable readings) and the delay constants of ``ceres_core.dte_timeline``.
Articles and procedure files never write it again: they carry a placeholder
``{{name}}`` that :func:`fill` replaces, at load, with the value rendered in French
(``{{duplicate_delay}}`` → « 7 jours »). Worked examples (« pour une session du
20/05/2019, … le 19/02/2019 ») are computed by the core's own functions, so that
they cannot disagree with the rule either.

``tests/test_kb_consistency.py`` checks that no file writes one of these values in
clear.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import cache

from dateutil.relativedelta import relativedelta

from ceres_core import dte_timeline
from ceres_core.calendar import WorkingCalendar
from ceres_core.settings import Rules

#: ``{{name}}`` — double braces, so that a procedure's ``{variable}`` is left alone.
PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")

_MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"]
_DAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]
_ORDINALS = {
    2: "deuxième",
    3: "troisième",
    4: "quatrième",
    5: "cinquième",
    6: "sixième",
    7: "septième",
    8: "huitième",
    9: "neuvième",
    10: "dixième",
}


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def french_delay(delay: relativedelta | timedelta) -> str:
    """``relativedelta(months=1)`` → « 1 mois », ``timedelta(weeks=2)`` → « 2 semaines »."""
    if isinstance(delay, timedelta):
        days = delay.days
        if days % 7 == 0:
            return _plural(days // 7, "semaine", "semaines")
        return _plural(days, "jour", "jours")
    parts = []
    if delay.years:
        parts.append(_plural(delay.years, "an", "ans"))
    if delay.months:
        parts.append(f"{delay.months} mois")
    if delay.weeks and not delay.days % 7:
        parts.append(_plural(delay.weeks, "semaine", "semaines"))
    elif delay.days:
        parts.append(_plural(delay.days, "jour", "jours"))
    return " et ".join(parts) or "0 jour"


def long_date(d: date, *, weekday: bool = False) -> str:
    """« 1er septembre 2019 », or « lundi 12/05/2025 » with ``weekday``."""
    if weekday:
        return f"{_DAYS[d.weekday()]} {d:%d/%m/%Y}"
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {_MONTHS[d.month - 1]} {d.year}"


def _hours(runs: tuple, last: str) -> str:
    labels = [f"{t.hour} h" + (f" {t.minute:02d}" if t.minute else "") for t in runs]
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + f" {last} " + labels[-1]


def core_facts(rules: Rules | None = None) -> dict[str, str]:
    """Placeholder name → its French text, from the core's settings and delays."""
    if rules is None:
        return dict(_default_facts())
    return _facts(rules)


@cache
def _default_facts() -> dict[str, str]:
    return _facts(Rules())


def _facts(rules: Rules) -> dict[str, str]:
    t = dte_timeline
    example_start = date(2019, 5, 20)
    ccp_start = date(2025, 5, 19)
    organiser, jury = t.ccp_link_openings(ccp_start, WorkingCalendar())
    juror_start = date(2024, 9, 1)
    return {
        # R-PRT-6
        "duplicate_delay": _plural(rules.duplicate_delay_days, "jour", "jours"),
        # R-CAN-7
        "final_interview_max": str(rules.max_final_interview_sessions),
        "final_interview_over": _ORDINALS.get(
            rules.max_final_interview_sessions + 1, f"{rules.max_final_interview_sessions + 1}e"
        ),
        "final_interview_window": _plural(rules.final_interview_window_days, "jour", "jours"),
        # R-CAN-6
        "vae_window": _plural(rules.vae_window_days, "jour", "jours"),
        # R-CAN-4
        "min_age": _plural(rules.min_age, "an", "ans"),
        "max_age": _plural(rules.max_age, "an", "ans"),
        # R-JUR-4
        "juror_max_years_out": _plural(rules.juror_max_years_out, "an", "ans"),
        "juror_example_start": long_date(juror_start),
        "juror_example_limit": long_date(
            juror_start - relativedelta(years=rules.juror_max_years_out)
        ),
        # R-CON-2
        "convocation_delay_tp": french_delay(rules.convocation_delays["TP"]),
        "convocation_delay_ccp": french_delay(rules.convocation_delays["CCP"]),
        "convocation_delay_default": french_delay(rules.default_convocation_delay),
        # R-DTE-1
        "dte_order_months": f"{t.ORDER_DEADLINE_MONTHS} mois",
        "dte_order_deadline": f"{t.ORDER_DEADLINE_MONTHS} mois et 1 jour",
        "dte_example_start": f"{example_start:%d/%m/%Y}",
        "dte_example_back": (
            f"{example_start - relativedelta(months=t.ORDER_DEADLINE_MONTHS):%d/%m/%Y}"
        ),
        "dte_example_deadline": f"{t.order_deadline(example_start):%d/%m/%Y}",
        # R-DTE-4
        "dte_tp_shipping": (
            f"{t.TP_SHIPPING_LATEST.days // 7} à {french_delay(t.TP_SHIPPING_EARLIEST)}"
        ),
        # R-DTE-5
        "ccp_organiser_opens": _plural(t.CCP_ORGANISER_OPENS_DAYS_BEFORE, "jour", "jours"),
        "ccp_jury_opens": _plural(
            t.CCP_JURY_CANDIDATE_OPENS_WORKING_DAYS_BEFORE, "jour ouvré", "jours ouvrés"
        ),
        "ccp_jury_opens_ordinal": _ORDINALS.get(
            t.CCP_JURY_CANDIDATE_OPENS_WORKING_DAYS_BEFORE,
            f"{t.CCP_JURY_CANDIDATE_OPENS_WORKING_DAYS_BEFORE}e",
        ),
        "ccp_example_start": long_date(ccp_start, weekday=True),
        "ccp_example_organiser": f"{organiser:%d/%m/%Y}",
        "ccp_example_jury": long_date(jury.date(), weekday=True),
        "automaton_runs": _hours(t.AUTOMATON_RUN_TIMES, "et"),
        "automaton_runs_or": _hours(t.AUTOMATON_RUN_TIMES, "ou"),
        "automaton_first_run": _hours(t.AUTOMATON_RUN_TIMES[:1], "et"),
        # R-DTE-7
        "gev_chase": french_delay(t.GEV_CHASE_BEFORE),
        # R-POST-2
        "parchments_send_within": french_delay(_parchments_delay()),
    }


def _parchments_delay() -> relativedelta:
    from ceres_core.services.parchments import SEND_WITHIN

    return SEND_WITHIN


class UnknownFact(ValueError):
    """A placeholder names no fact of the core."""


def fill(text: str, facts: dict[str, str], source: str = "") -> str:
    """Replace every ``{{name}}`` of ``text``; an unknown name raises :class:`UnknownFact`."""

    def one(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in facts:
            where = f"{source}: " if source else ""
            raise UnknownFact(f"{where}valeur inconnue {{{{{name}}}}}")
        return facts[name]

    return PLACEHOLDER.sub(one, text)
