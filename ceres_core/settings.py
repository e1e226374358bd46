"""Configurable readings of the rules (ceres-domain.md marks them "(reading)")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta


@dataclass(frozen=True)
class Rules:
    #: R-PRT-6: days after the last print request before a duplicate may be requested.
    duplicate_delay_days: int = 7
    #: R-CAN-7: sessions with final interview allowed per rolling window.
    max_final_interview_sessions: int = 3
    #: R-CAN-7 (reading): the rolling window, in days, ending at the new session's date.
    final_interview_window_days: int = 365
    #: R-CAN-6: VAE candidates can be registered within this many days before the start.
    vae_window_days: int = 30
    #: R-CAN-6 (reading): the VAE window's last day, this many days before the start
    #: (1: the day before the session starts).
    vae_window_ends_days_before: int = 1
    #: R-CAN-6 (reading): the VAE window is its own permission (004: "Inscrire des
    #: candidats VAE dans les 30 jours précédents"), an exception to the cut-off at the
    #: convocations: a centre that sent its convocations on time can still register a
    #: VAE candidate in the window. ``False``: the convocations close it too.
    vae_after_convocations: bool = True
    #: R-CAN-4 (reading): coherent age bounds at the session date.
    min_age: int = 14
    max_age: int = 100
    #: R-JUR-4: maximum years since the juror last practised the job.
    juror_max_years_out: int = 5
    #: R-DTE-1: refuse a DTE order placed after the deadline (3 months + 1 day).
    enforce_dte_deadline: bool = True
    #: R-CON-2 (reading): how long before the start the convocations must reach people,
    #: per session kind. 001 says "1 mois ou 15 jours selon le type d'examen" and 002
    #: "convocation des candidats (1 mois)" for a title session: 1 calendar month for a
    #: TP session, 15 days for a CCP or CCS session (a CCS has a CCP-like DTE, 003). The
    #: one table of the rule: the sessions service and the DTE timeline both read it.
    convocation_delays: Mapping[str, relativedelta] = field(
        default_factory=lambda: {
            "TP": relativedelta(months=1),
            "CCP": relativedelta(days=15),
            "CCS": relativedelta(days=15),
        }
    )
    #: R-CON-2: the delay for a kind missing from the table (002: "1 mois", the stricter).
    default_convocation_delay: relativedelta = field(
        default_factory=lambda: relativedelta(months=1)
    )
