"""Configurable readings of the rules (ceres-domain.md marks them "(reading)")."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    #: R-CAN-4 (reading): coherent age bounds at the session date.
    min_age: int = 14
    max_age: int = 100
    #: R-JUR-4: maximum years since the juror last practised the job.
    juror_max_years_out: int = 5
    #: R-DTE-1: refuse a DTE order placed after the deadline (3 months + 1 day).
    enforce_dte_deadline: bool = True
    #: R-CON-2 (reading): convocation delay in days per session kind.
    convocation_delay_days: dict[str, int] = field(
        default_factory=lambda: {"TP": 30, "CCS": 30, "CCP": 15}
    )
