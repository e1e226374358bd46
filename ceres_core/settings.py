"""Configurable readings of the rules (ceres-domain.md marks them "(reading)")."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from dateutil.relativedelta import relativedelta


class DelayConstraints(StrEnum):
    """R-CON-2 and R-DTE-1: whether the delay constraints refuse or only warn (002).

    Seed 002: the constraints were lifted for two months from February 2019 ("un
    assouplissement des règles … pour une durée de 2 mois") "mais seront bien
    effectives à terme". ``TRANSITION`` is that period: a late DTE order or late
    convocations are accepted with a warning; ``ENFORCED`` (the default, the rule
    as it stands) refuses them and names the last possible date.
    """

    TRANSITION = "transition"
    ENFORCED = "enforced"


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
    #: R-CAN-6 (reading): the VAE window is a permission that *extends* registration
    #: (004 lists it among what "Les centres pourront"): a VAE candidate can be
    #: registered like any candidate until the convocations are issued, and also after
    #: them within the window. ``False``: the convocations close it too.
    vae_after_convocations: bool = True
    #: R-CAN-4 (reading): coherent age bounds at the session date.
    min_age: int = 14
    max_age: int = 100
    #: R-JUR-4: maximum years since the juror last practised the job.
    juror_max_years_out: int = 5
    #: R-DTE-1 and R-CON-2: the delay constraints (DTE order 3 months + 1 day before,
    #: convocations 1 month or 15 days before): ``enforced`` refuses a late operation
    #: with the last possible date, ``transition`` accepts it with a warning (002).
    delay_constraints: DelayConstraints = DelayConstraints.ENFORCED

    def __post_init__(self) -> None:
        # A setting read from a file or the environment arrives as text.
        object.__setattr__(self, "delay_constraints", DelayConstraints(self.delay_constraints))

    @property
    def delays_enforced(self) -> bool:
        """R-DTE-1, R-CON-2: whether a late DTE order or late convocations are refused."""
        return self.delay_constraints is DelayConstraints.ENFORCED

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

    # -- reminders (ceres_core.reminders): when the assistant speaks first ----------------
    #: R-DTE-1: remind a centre of a session without a DTE order this many working days
    #: (of the session's département, R-DTE-6) before the ordering deadline.
    reminder_dte_order_offsets: tuple[int, ...] = (15, 5, 1)
    #: R-CON-2: remind a centre whose convocations are not issued this many working days
    #: before the convocation deadline.
    reminder_convocation_offsets: tuple[int, ...] = (10, 5, 1)
    #: R-SES-2: remind a centre this many working days before the end of an agrément
    #: that ends before one of its planned sessions (0: from the end date itself).
    reminder_agrement_end_offsets: tuple[int, ...] = (40, 20, 5, 0)
    #: R-SES-6: remind a centre this many working days after the end of a session it
    #: has not closed.
    reminder_close_offsets: tuple[int, ...] = (1, 5, 10)
    #: R-JUR-1: remind the DREETS this many working days before an active habilitation
    #: of a juror of its region expires.
    reminder_habilitation_offsets: tuple[int, ...] = (20, 5)
    #: Reminders are delivered from this hour to this hour, local time of the
    #: recipient, on the working days of their département (R-DTE-6).
    reminder_hours: tuple[int, int] = (9, 17)

