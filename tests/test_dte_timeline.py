"""DTE timeline (R-DTE-1, R-DTE-4, R-DTE-5, R-DTE-7, R-CON-2) and the dte-timeline command."""

from __future__ import annotations

import argparse
import importlib.util
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given
from hypothesis import strategies as st

import bot.cli
from bot.cli import timeline as timeline_cli
from ceres_core.calendar import WorkingCalendar
from ceres_core.clock import PARIS, FixedClock
from ceres_core.dte_timeline import (
    AUTOMATON_RUN_TIMES,
    DteKind,
    ccp_link_openings,
    convocation_deadline,
    convocation_delay_label,
    dte_timeline,
    format_date_fr,
    format_datetime_fr,
    gev_chase_from,
    next_automaton_run,
    order_deadline,
    order_window,
    parse_kind,
    render_timeline_fr,
    tp_shipping_window,
)
from ceres_core.errors import InvalidInput
from ceres_core.settings import Rules


def paris(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


# -- R-DTE-1 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "deadline"),
    [
        (date(2019, 5, 20), date(2019, 2, 19)),  # the spec's example
        (date(2027, 3, 15), date(2026, 12, 14)),  # across a year
        (date(2027, 3, 1), date(2026, 11, 30)),
        (date(2027, 5, 31), date(2027, 2, 27)),  # 31/02 does not exist: clamped to 28/02
        (date(2028, 5, 31), date(2028, 2, 28)),  # leap year: 29/02 − 1 day
    ],
)
def test_r_dte_1_deadline_is_the_day_before_three_months_earlier(
    start: date, deadline: date
) -> None:
    assert order_deadline(start) == deadline


def test_r_dte_1_order_window_counts_days_left() -> None:
    start = date(2019, 5, 20)
    window = order_window(start, FixedClock(paris(2019, 2, 1, 10)))
    assert window.deadline == date(2019, 2, 19)
    assert window.days_left == 18 and window.still_time
    assert window.message_fr() == (
        "Il reste 18 jours pour commander le DTE de la session du lundi 20 mai 2019 : "
        "date limite le mardi 19 février 2019 (R-DTE-1)."
    )
    assert "Il reste 1 jour " in order_window(start, FixedClock(paris(2019, 2, 18))).message_fr()
    last_day = order_window(start, FixedClock(paris(2019, 2, 19, 23, 59)))
    assert last_day.days_left == 0 and last_day.still_time
    assert last_day.message_fr().startswith("C'est le dernier jour")


def test_r_dte_1_too_late_to_order() -> None:
    clock = FixedClock(paris(2019, 2, 22, 9))
    window = order_window(date(2019, 5, 20), clock)
    assert window.days_left == -3 and not window.still_time
    assert "trop tard" in window.message_fr() and "il y a 3 jours" in window.message_fr()
    assert "mardi 19 février 2019" in window.message_fr()
    assert order_window(date(2019, 5, 20), FixedClock(paris(2019, 2, 19))).days_left == 0
    # The refusal itself is the DTE order's (dte.order_dte, test_dte_orders.py).


# -- R-DTE-4 ------------------------------------------------------------------------------


def test_r_dte_4_tp_ships_five_to_six_weeks_before_the_start() -> None:
    assert tp_shipping_window(date(2027, 3, 15)) == (date(2027, 2, 1), date(2027, 2, 8))


# -- R-DTE-5 ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "run"),
    [
        (paris(2027, 3, 1, 0, 0), paris(2027, 3, 1, 8)),
        (paris(2027, 3, 1, 8, 0), paris(2027, 3, 1, 8)),
        (paris(2027, 3, 1, 8, 1), paris(2027, 3, 1, 15)),
        (paris(2027, 3, 1, 15, 30), paris(2027, 3, 1, 21)),
        (paris(2027, 3, 1, 21, 1), paris(2027, 3, 2, 8)),
        (datetime(2027, 3, 1, 13, 30, tzinfo=UTC), paris(2027, 3, 1, 15)),  # 14:30 in Paris
        (datetime(2027, 3, 1, 7, 0), paris(2027, 3, 1, 8)),  # naive means Paris
    ],
)
def test_r_dte_5_automaton_runs_at_8_15_and_21(at: datetime, run: datetime) -> None:
    assert next_automaton_run(at) == run


def test_r_dte_5_ccp_links_open_60_days_and_5_working_days_before() -> None:
    organiser, jury = ccp_link_openings(date(2027, 3, 15))
    assert organiser == paris(2027, 1, 14, 8)
    assert jury == paris(2027, 3, 8, 8)
    assert organiser.isoformat() == "2027-01-14T08:00:00+01:00"


def test_r_dte_5_jury_links_follow_the_departements_calendar() -> None:
    # Friday 2 April 2027: Easter Monday is national, Good Friday local to Alsace-Moselle.
    start = date(2027, 4, 2)
    assert ccp_link_openings(start)[1] == paris(2027, 3, 25, 8)
    assert ccp_link_openings(start, WorkingCalendar("57"))[1] == paris(2027, 3, 24, 8)
    # Wednesday 22 December 2027: 20 December is a holiday in La Réunion only.
    start = date(2027, 12, 22)
    assert ccp_link_openings(start, WorkingCalendar("75"))[1] == paris(2027, 12, 15, 8)
    assert ccp_link_openings(start, WorkingCalendar("974"))[1] == paris(2027, 12, 14, 8)


def test_r_dte_5_links_open_at_the_run_of_the_day_after_a_late_order() -> None:
    start = date(2027, 3, 15)
    organiser, jury = ccp_link_openings(start, ordered_at=paris(2027, 2, 10, 16, 45))
    assert organiser == paris(2027, 2, 11, 8)  # later than the 60-day opening (14/01)
    assert jury == paris(2027, 3, 8, 8)  # the 5-working-day opening is later still
    organiser, jury = ccp_link_openings(start, ordered_at=paris(2027, 3, 10, 9))
    assert organiser == jury == paris(2027, 3, 11, 8)
    early = ccp_link_openings(start, ordered_at=paris(2026, 12, 1, 22))
    assert early == ccp_link_openings(start)
    # A UTC order time just before midnight in Paris is read in Paris time.
    organiser, _ = ccp_link_openings(start, ordered_at=datetime(2027, 2, 10, 23, 30, tzinfo=UTC))
    assert organiser == paris(2027, 2, 12, 8)


def test_r_dte_5_summer_openings_carry_the_summer_offset() -> None:
    organiser, jury = ccp_link_openings(date(2027, 9, 20))
    assert organiser.isoformat() == "2027-07-22T08:00:00+02:00"
    assert jury.isoformat() == "2027-09-13T08:00:00+02:00"


# -- R-DTE-7 and R-CON-2 -----------------------------------------------------------------


def test_r_dte_7_chase_the_gev_two_weeks_before() -> None:
    assert gev_chase_from(date(2027, 3, 15)) == date(2027, 3, 1)


def test_r_con_2_convocation_delay_per_exam_type() -> None:
    """The reading of settings.Rules (the one table): TP 1 month, CCP and CCS 15 days."""
    rules = Rules()
    start = date(2027, 3, 31)
    assert convocation_deadline(start, "TP", rules) == date(2027, 2, 28)  # 1 month, clamped
    assert convocation_deadline(start, "ccp", rules) == date(2027, 3, 16)  # 15 days
    assert convocation_deadline(start, "CCS", rules) == date(2027, 3, 16)
    assert convocation_deadline(start, "VAE", rules) == date(2027, 2, 28)  # default: 1 month
    custom = Rules(convocation_delays={**rules.convocation_delays,
                                       "CCP": relativedelta(months=1)})
    assert convocation_deadline(start, "CCP", custom) == date(2027, 2, 28)
    assert dte_timeline("CCP", start, rules=custom).convocation_deadline == date(2027, 2, 28)
    assert convocation_delay_label(rules.convocation_delays["TP"]) == "1 mois"
    assert convocation_delay_label(rules.convocation_delays["CCS"]) == "15 jours"


# -- the whole timeline ---------------------------------------------------------------------


def test_timeline_of_a_tp_session() -> None:
    t = dte_timeline("TP", date(2027, 3, 15), "974")
    assert t.to_dict() == {
        "kind": "TP",
        "start": "2027-03-15",
        "departement": "974",
        "order_deadline": "2026-12-14",
        "tp_shipping_from": "2027-02-01",
        "tp_shipping_to": "2027-02-08",
        "chase_gev_from": "2027-03-01",
        "convocation_deadline": "2027-02-15",
    }
    assert t.ccp_organiser_opens is None


def test_timeline_of_a_ccp_session() -> None:
    t = dte_timeline(DteKind.CCP, date(2027, 3, 15), "2a")
    data = t.to_dict()
    assert data["departement"] == "2A"
    assert data["ccp_organiser_opens"] == "2027-01-14T08:00:00+01:00"
    assert data["ccp_jury_candidate_opens"] == "2027-03-08T08:00:00+01:00"
    assert data["convocation_deadline"] == "2027-02-28"
    assert "tp_shipping_from" not in data and "tp_shipping_to" not in data


def test_timeline_refuses_unknown_kind_and_departement() -> None:
    with pytest.raises(InvalidInput, match="TP ou CCP"):
        dte_timeline("CCS", date(2027, 3, 15))
    with pytest.raises(InvalidInput, match="département « 975 »"):
        dte_timeline("TP", date(2027, 3, 15), "975")
    assert parse_kind(" ccp ") is DteKind.CCP


def test_french_dates_without_locale() -> None:
    assert format_date_fr(date(2027, 3, 15)) == "lundi 15 mars 2027"
    assert format_date_fr(date(2027, 2, 1)) == "lundi 1er février 2027"
    assert format_date_fr(date(2027, 8, 15)) == "dimanche 15 août 2027"
    assert format_date_fr(date(2027, 12, 25), with_weekday=False) == "25 décembre 2027"
    assert format_datetime_fr(paris(2027, 1, 14, 8)) == "jeudi 14 janvier 2027 à 8 h"
    assert format_datetime_fr(paris(2027, 1, 14, 14, 5)) == "jeudi 14 janvier 2027 à 14 h 05"


def test_french_rendering_is_in_date_order() -> None:
    text = render_timeline_fr(dte_timeline("CCP", date(2027, 3, 15), "57"))
    lines = text.splitlines()
    assert lines[0] == "Calendrier du DTE – session CCP du lundi 15 mars 2027 (57 – Moselle)"
    assert lines[1] == "• Date limite de commande du DTE : lundi 14 décembre 2026 (R-DTE-1)"
    assert lines[-1] == (
        "• Ouverture des liens des DTE jury et candidats : lundi 8 mars 2027 à 8 h (R-DTE-5)"
    )
    tp = render_timeline_fr(dte_timeline("TP", date(2027, 3, 15)))
    assert "entre le lundi 1er février 2027 et le lundi 8 février 2027 (R-DTE-4)" in tp
    assert "(R-CON-2)" in tp and "(R-DTE-7)" in tp


# -- properties -----------------------------------------------------------------------------

starts = st.dates(min_value=date(1995, 1, 1), max_value=date(2090, 12, 31))
departements = st.sampled_from([None, "75", "57", "67", "971", "972", "973", "974", "976"])
run_times = set(AUTOMATON_RUN_TIMES)


@given(starts, departements)
def test_tp_timeline_dates_are_in_order(start: date, dep: str | None) -> None:
    t = dte_timeline("TP", start, dep)
    assert t.tp_shipping_from and t.tp_shipping_to
    assert t.order_deadline < t.tp_shipping_from < t.tp_shipping_to < t.start
    assert t.tp_shipping_to < t.chase_gev_from < t.start
    assert t.convocation_deadline < t.start


@given(starts, departements)
def test_ccp_links_open_in_order_at_automaton_runs(start: date, dep: str | None) -> None:
    t = dte_timeline("CCP", start, dep)
    organiser, jury = t.ccp_organiser_opens, t.ccp_jury_candidate_opens
    assert organiser and jury
    assert t.order_deadline < organiser.date() < jury.date() < start
    assert WorkingCalendar(dep).is_working_day(jury.date())
    for opening in (organiser, jury):
        assert opening.tzinfo is not None
        assert opening.astimezone(PARIS).timetz().replace(tzinfo=None) in run_times


@given(
    starts,
    departements,
    st.datetimes(
        min_value=datetime(1994, 1, 1), max_value=datetime(2090, 12, 31), timezones=st.just(PARIS)
    ),
)
def test_r_dte_5_openings_with_an_order_time(
    start: date, dep: str | None, ordered: datetime
) -> None:
    organiser, jury = ccp_link_openings(start, WorkingCalendar(dep), ordered)
    plain_organiser, plain_jury = ccp_link_openings(start, WorkingCalendar(dep))
    assert organiser <= jury
    assert organiser >= plain_organiser and jury >= plain_jury
    assert organiser.date() > ordered.date() and jury.date() > ordered.date()
    assert organiser.time() in run_times and jury.time() in run_times


@given(starts, starts)
def test_r_dte_1_deadline_is_monotonic_and_about_three_months(a: date, b: date) -> None:
    if a <= b:
        assert order_deadline(a) <= order_deadline(b)
    assert timedelta(days=89) <= a - order_deadline(a) <= timedelta(days=93)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 12, 31)))
def test_r_dte_5_next_run_is_the_first_run_at_or_after(at: datetime) -> None:
    run = next_automaton_run(at)
    local = at.replace(tzinfo=PARIS)
    assert run >= local and run.time() in run_times
    assert run - local < timedelta(hours=11, minutes=1)


# -- the dte-timeline command --------------------------------------------------------------


def _other_cli_modules_missing() -> list[str]:
    return [
        name
        for name in bot.cli.COMMAND_MODULES
        if importlib.util.find_spec(f"bot.cli.{name}") is None
    ]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch):
    """``bot.cli.main`` with only this command registered (others are written in parallel)."""
    monkeypatch.setattr(bot.cli, "COMMAND_MODULES", ("timeline",))
    return bot.cli.main


def test_cli_tp_json(cli, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(
        ["dte-timeline", "--kind", "TP", "--start", "2027-03-15", "--json", "--today", "2026-12-01"]
    )
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["order_deadline"] == "2026-12-14"
    assert data["tp_shipping_from"] == "2027-02-01"
    assert data["tp_shipping_to"] == "2027-02-08"
    assert data["chase_gev_from"] == "2027-03-01"
    assert data["convocation_deadline"] == "2027-02-15"
    assert data["order_days_left"] == 13
    assert "ccp_organiser_opens" not in data


def test_cli_ccp_json_with_departement_and_order(cli, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dte-timeline", "--kind", "ccp", "--start", "2027-12-22", "--departement", "974 "]
    assert cli([*argv, "--json", "--today", "2027-12-01"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["departement"] == "974"
    assert data["ccp_organiser_opens"] == "2027-10-23T08:00:00+02:00"
    assert data["ccp_jury_candidate_opens"] == "2027-12-14T08:00:00+01:00"
    assert "tp_shipping_from" not in data
    assert data["order_days_left"] < 0
    assert cli([*argv, "--json", "--ordered-at", "2027-11-01T16:00"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ccp_organiser_opens"] == "2027-11-02T08:00:00+01:00"


def test_cli_text_output_in_french(cli, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dte-timeline", "--kind", "TP", "--start", "2027-03-15", "--today", "2026-12-14"]
    assert cli(argv) == 0
    out = capsys.readouterr().out
    assert "Date limite de commande du DTE : lundi 14 décembre 2026" in out
    assert "entre le lundi 1er février 2027 et le lundi 8 février 2027" in out
    assert "C'est le dernier jour pour commander" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--kind", "TP", "--start", "15 mars"], "saisissez-la au format JJ/MM/AAAA"),
        (["--kind", "TP", "--start", "2027-02-30"], "ce jour n'existe pas dans le calendrier"),
        (["--kind", "TP", "--start", "2027-03-15", "--departement", "99"], "« 99 » est inconnu"),
        (["--kind", "CCS", "--start", "2027-03-15"], "indiquez TP ou CCP"),
        (["--start", "2027-03-15"], "--kind TP ou --kind CCP"),
        (["--kind", "TP"], "--start AAAA-MM-JJ"),
        (["--kind", "CCP", "--start", "2027-03-15", "--ordered-at", "hier"], "date de commande"),
    ],
)
def test_cli_errors_are_french_on_stderr_with_exit_code_1(
    cli, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert cli(["dte-timeline", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("Erreur : ")
    assert message in captured.err


def test_cli_register_on_a_plain_parser() -> None:
    parser = argparse.ArgumentParser()
    timeline_cli.register(parser.add_subparsers())
    args = parser.parse_args(["dte-timeline", "--kind", "TP", "--start", "2027-02-30"])
    with pytest.raises(InvalidInput, match="n'existe pas"):
        args.handler(args)


@pytest.mark.skipif(
    bool(_other_cli_modules_missing()),
    reason="another command module of bot.cli is not written yet",
)
def test_cli_full_main(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["dte-timeline", "--kind", "CCP", "--start", "2027-03-15", "--json"]
    assert bot.cli.main(argv) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ccp_organiser_opens"] == "2027-01-14T08:00:00+01:00"
    # The French form is accepted too, and gives the same timeline.
    assert bot.cli.main(["dte-timeline", "--kind", "CCP", "--start", "15/03/2027", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == data
    assert bot.cli.main(["dte-timeline", "--kind", "TP", "--start", "demain"]) == 1
    assert "JJ/MM/AAAA" in capsys.readouterr().err


# -- the next deadline a session's list shows (R-DTE-1, R-CON-2, R-SES-6) ------------------


def _next(today, *, state="en_preparation", kind="TP", start=date(2027, 5, 20),
          end=date(2027, 5, 21), ordered=False, convoked=False, closed=False):
    from ceres_core.dte_timeline import next_deadline
    from ceres_core.settings import Rules

    return next_deadline(state=state, kind=kind, start=start, end=end, dte_ordered=ordered,
                         convocations_issued=convoked, closed_by_centre=closed, today=today,
                         rules=Rules())


def test_next_deadline_is_the_dte_order_while_not_ordered():
    d = _next(date(2027, 1, 10))
    assert (d.rule, d.due, d.overdue) == ("R-DTE-1", date(2027, 2, 19), False)
    assert d.label == "Commander le DTE au plus tard le 19/02/2027 (R-DTE-1)"
    late = _next(date(2027, 3, 1))
    assert late.overdue and late.label.endswith("date dépassée (R-DTE-1)")


def test_next_deadline_is_the_convocations_once_ordered_per_kind():
    tp = _next(date(2027, 3, 1), ordered=True)
    assert (tp.rule, tp.due, tp.overdue) == ("R-CON-2", date(2027, 4, 20), False)
    ccp = _next(date(2027, 5, 10), ordered=True, kind="CCP")
    assert (ccp.due, ccp.overdue) == (date(2027, 5, 5), True)
    assert _next(date(2027, 3, 1), ordered=True, convoked=True) is None


def test_next_deadline_after_the_session_is_closing_at_the_centre():
    over = _next(date(2027, 5, 25), ordered=True, convoked=True, state="resultats_saisis")
    assert (over.rule, over.due, over.overdue) == ("R-SES-6", None, True)
    assert over.label == "Clôturer la session au centre (R-SES-6)"
    assert _next(date(2027, 5, 25), closed=True) is None
    for state in ("en_attente_validation", "validee", "debloquee", "annulee"):
        assert _next(date(2027, 1, 10), state=state) is None


# -- the next date of a session's DTE timeline (the session card's one line) ----------------------


def test_r_dte_4_5_7_next_timeline_date_is_the_earliest_not_yet_past():
    from ceres_core.dte_timeline import dte_timeline as _timeline
    from ceres_core.dte_timeline import next_timeline_date

    tp = _timeline("TP", date(2027, 4, 1), "75")
    first = next_timeline_date(tp, date(2027, 1, 1))
    assert first.rule == "R-DTE-4" and first.due == tp.tp_shipping_to and not first.overdue
    assert "au plus tard le" in first.label
    chase = next_timeline_date(tp, tp.tp_shipping_to + timedelta(days=1))
    assert chase.rule == "R-DTE-7" and chase.label.startswith(
        f"Relancer la GEV si les plis ne sont pas arrivés à partir du "
        f"{tp.chase_gev_from:%d/%m/%Y}")
    assert next_timeline_date(tp, tp.chase_gev_from + timedelta(days=1)) is None
    ccp = _timeline("CCP", date(2027, 4, 1), "75")
    opens = next_timeline_date(ccp, date(2027, 1, 1))
    assert opens.rule == "R-DTE-5" and opens.due == ccp.ccp_organiser_opens.date()
    assert f" le {opens.due:%d/%m/%Y} (R-DTE-5)" in opens.label
