"""The reminders of a day read from a real database (:mod:`ceres_core.services.reminders`):
each kind on its dates, its recipients by scope (R-ACT-2), its key and its action."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import select, update

from ceres_core.clock import PARIS
from ceres_core.demo import load_demo
from ceres_core.models import (
    AckKind,
    Agrement,
    DteAcknowledgement,
    DteOrder,
    ExamSession,
    Habilitation,
    HabilitationState,
    Juror,
    Profile,
    Role,
    RsKind,
    SessionKind,
    SessionState,
    User,
)
from ceres_core.reminders import Action, ReminderKind
from ceres_core.services.reminders import due_reminders, my_reminder_kinds, my_reminders


def _set(clock, y: int, m: int, d: int, hour: int = 10) -> None:
    clock.set(datetime(y, m, d, hour, 0, tzinfo=PARIS))


def _kinds(events, kind):
    return [e for e in events if e.kind is kind]


def _order(db, session_id: int, user_id: int, at: datetime, acks=()) -> DteOrder:
    order = DteOrder(session_id=session_id, ordered_at=at, ordered_by_id=user_id,
                     candidates_count=3, rs_kind=RsKind.TITULAIRE, rs_name="Claire Martin",
                     contact_name="Secrétariat", contact_phone="01 43 55 66 77",
                     contact_email="examens@example.fr", delivery_address="12 rue X, 75011 Paris",
                     acknowledgements=[DteAcknowledgement(kind=k, at=at, links=["https://x.example"]
                                                          if k is AckKind.PREPARATION else None)
                                       for k in acks])
    db.add(order)
    return order


def test_dte_order_reminder_goes_to_the_centre_of_the_site_only(core, clock, world) -> None:
    # A1-TP starts 20/05/2027: R-DTE-1 deadline 19/02/2027, first reminder 29/01/2027.
    _set(clock, 2027, 1, 28)
    assert _kinds(due_reminders(core), ReminderKind.DTE_ORDER) == []
    _set(clock, 2027, 1, 29)
    (event,) = _kinds(due_reminders(core), ReminderKind.DTE_ORDER)
    assert event.rule == "R-DTE-1"
    assert event.recipients == (world.users["centre_a"],)  # not the UD, not the admin
    assert event.key == "dte_commande:TITRE_A_2027_000001:2027-02-19:J-15"
    assert event.action == Action("commander_dte", {"session": "TITRE_A_2027_000001"})
    assert "vendredi 19 février 2027" in event.text
    # The same reminder (same key) until the next offset; then a new key.
    _set(clock, 2027, 2, 11)
    assert _kinds(due_reminders(core), ReminderKind.DTE_ORDER)[0].key == event.key
    _set(clock, 2027, 2, 12)
    assert _kinds(due_reminders(core), ReminderKind.DTE_ORDER)[0].key.endswith(":J-5")
    # The site on the centre de reprise has no centre account: nobody to tell.
    assert all(e.subject != "TITRE_B_2027_000002" for e in due_reminders(core))
    # Ordered: nothing more.
    with core.transaction() as db:
        _order(db, world.sessions["A1-TP"], world.users["centre_a"], clock.now())
    assert _kinds(due_reminders(core), ReminderKind.DTE_ORDER) == []
    assert my_reminders(core, "ud75") == []


def test_convocations_reminder_until_they_are_issued(core, clock, world) -> None:
    _set(clock, 2027, 4, 6)  # 10 working days before 20/04/2027 (R-CON-2, TP: 1 month)
    (event,) = _kinds(my_reminders(core, "centre_a"), ReminderKind.CONVOCATIONS)
    assert event.rule == "R-CON-2" and event.key.endswith(":2027-04-20:J-10")
    assert "1 mois avant" in event.text
    with core.transaction() as db:
        db.execute(update(ExamSession).where(ExamSession.id == world.sessions["A1-TP"])
                   .values(state=SessionState.CONVOCATIONS_ENVOYEES,
                           convocations_issued_at=clock.now()))
    assert _kinds(my_reminders(core, "centre_a"), ReminderKind.CONVOCATIONS) == []


def test_gev_chase_for_an_unprepared_tp_order(core, clock, world) -> None:
    with core.transaction() as db:
        _order(db, world.sessions["A1-TP"], world.users["centre_a"],
               datetime(2027, 1, 10, 10, tzinfo=PARIS), acks=(AckKind.RECEPTION,))
    _set(clock, 2027, 5, 5)
    assert _kinds(due_reminders(core), ReminderKind.GEV_CHASE) == []
    _set(clock, 2027, 5, 6)
    (event,) = _kinds(my_reminders(core, "centre_a"), ReminderKind.GEV_CHASE)
    assert event.rule == "R-DTE-7" and "epreuves-btp@afpa.fr" in event.text
    assert event.action == Action("calendrier_dte", {"session": "TITRE_A_2027_000001"})


def test_gev_is_told_of_orders_waiting_for_it(core, clock, world) -> None:
    with core.transaction() as db:
        db.add(User(login="gev", display_name="GEV", created_at=clock.now(),
                    profiles=[Profile(role=Role.GEV)]))
        _order(db, world.sessions["A1-TP"], world.users["centre_a"], clock.now())
    _set(clock, 2026, 11, 23)  # Monday
    (event,) = _kinds(my_reminders(core, "gev"), ReminderKind.GEV_ORDERS)
    assert event.key == "commandes_gev:2026-11-23"
    assert "1 commande attend votre accusé de réception : TITRE_A_2027_000001" in event.text
    _set(clock, 2026, 11, 28)  # Saturday: the daily summary is for working days
    assert my_reminders(core, "gev") == []


def test_agrement_ending_before_a_planned_session(core, clock, world) -> None:
    # B1-SC's agrément ends 31/01/2027; a session is planned on 01/03/2027 (R-SES-2).
    with core.transaction() as db:
        agr = db.get(Agrement, world.agrements["B1-SC"])
        db.add(ExamSession(ref="TITRE_C_2027_000003", site_id=agr.site_id, agrement_id=agr.id,
                           kind=SessionKind.TP, title_id=agr.title_id, start_date=date(2027, 3, 1),
                           start_time=time(9), end_date=date(2027, 3, 2),
                           state=SessionState.EN_PREPARATION, created_at=clock.now()))
    _set(clock, 2027, 1, 29)
    events = _kinds(my_reminders(core, "centre_b"), ReminderKind.AGREMENT_END)
    assert [e.key for e in events] == ["fin_agrement:TITRE_C_2027_000003:2027-01-31:J-5"]
    assert "se termine le dimanche 31 janvier 2027" in events[0].text
    _set(clock, 2027, 2, 3)
    (event,) = _kinds(my_reminders(core, "centre_b"), ReminderKind.AGREMENT_END)
    assert event.key.endswith(":J-0") and "s'est terminé" in event.text
    assert _kinds(my_reminders(core, "centre_a"), ReminderKind.AGREMENT_END) == []


def test_session_over_and_not_closed(core, clock, world) -> None:
    with core.transaction() as db:
        db.execute(update(ExamSession).where(ExamSession.id == world.sessions["A1-TP"])
                   .values(state=SessionState.RESULTATS_SAISIS,
                           convocations_issued_at=datetime(2027, 4, 1, tzinfo=PARIS)))
    _set(clock, 2027, 5, 21)  # the end date
    assert _kinds(due_reminders(core), ReminderKind.SESSION_CLOSE) == []
    _set(clock, 2027, 5, 24)  # Monday (Whit Monday 17/05 is before): 1 working day after
    (event,) = _kinds(my_reminders(core, "centre_a"), ReminderKind.SESSION_CLOSE)
    assert event.rule == "R-SES-6" and event.key == "cloture_session:TITRE_A_2027_000001:J+1"
    assert event.action == Action("voir_session", {"session": "TITRE_A_2027_000001"})


def test_ud_gets_one_validation_summary_a_working_day(core, clock, world) -> None:
    with core.transaction() as db:
        db.execute(update(ExamSession).where(ExamSession.id == world.sessions["A1-TP"])
                   .values(state=SessionState.EN_ATTENTE_VALIDATION))
    _set(clock, 2026, 11, 23)
    (event,) = my_reminders(core, "ud75")
    assert event.kind is ReminderKind.VALIDATION and event.key == "validation:75:2026-11-23"
    assert event.recipients == (world.users["ud75"],)
    assert my_reminders(core, "ud35") == [] and my_reminders(core, "dreets_idf") == []
    _set(clock, 2026, 11, 24)
    assert my_reminders(core, "ud75")[0].key == "validation:75:2026-11-24"
    _set(clock, 2026, 11, 22)  # Sunday
    assert my_reminders(core, "ud75") == []


def test_dreets_told_of_expiring_habilitations_of_its_region(core, clock, world) -> None:
    with core.transaction() as db:
        juror = Juror(civility="M.", last_name="Lambert", first_name="Olivier", region_code="11")
        juror.habilitations.append(Habilitation(
            title_id=world.titles["ODP"], state=HabilitationState.ACTIVE,
            starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31), updated_at=clock.now()))
        db.add(juror)
    _set(clock, 2026, 12, 2)  # 20 working days before 31/12 is 02/12 (Christmas skipped)
    (event,) = my_reminders(core, "dreets_idf")
    assert event.kind is ReminderKind.HABILITATION_EXPIRY and event.rule == "R-JUR-1"
    assert event.key.endswith(":2026-12-31:J-20") and "M. Olivier Lambert" in event.text
    assert my_reminders(core, "dreets_bzh") == []
    _set(clock, 2026, 12, 1)
    assert my_reminders(core, "dreets_idf") == []


@pytest.fixture
def demo(core, clock):
    _set(clock, 2026, 12, 7)  # a Monday
    load_demo(core)
    return core


def test_demo_ud_printing_reminders(demo, clock) -> None:
    events = my_reminders(demo, "ud75")
    kinds = {e.kind for e in events}
    assert kinds == {ReminderKind.VALIDATION, ReminderKind.DUPLICATE_OPEN,
                     ReminderKind.PND_RETURNED}
    (dup,) = _kinds(events, ReminderKind.DUPLICATE_OPEN)
    # Julie Martin's initial request was 10 days ago, Thomas Nguyen's 3 days ago (R-PRT-6).
    assert "Julie Martin" in dup.text and "Nguyen" not in dup.text
    assert dup.action.operation == "demander_duplicata"
    (pnd,) = _kinds(events, ReminderKind.PND_RETURNED)
    assert pnd.action == Action("enregistrer_pnd", {"session": pnd.action.params["session"],
                                                    "candidate": "C260000006"})
    # Thomas Nguyen's duplicate opens in 4 days: Friday 11/12.
    _set(clock, 2026, 12, 11)
    (dup2,) = _kinds(my_reminders(demo, "ud75"), ReminderKind.DUPLICATE_OPEN)
    assert "Thomas Nguyen" in dup2.text and dup2.key != dup.key


def test_demo_dreets_afpa_and_kinds(demo, clock) -> None:
    (pair,) = my_reminders(demo, "dreets.idf")
    assert pair.kind is ReminderKind.CANDIDATE_DUPLICATES
    assert pair.key == "doublons_candidats:C260000006:C260000007"
    assert my_reminders(demo, "dreets.bretagne") == []
    (prints,) = my_reminders(demo, "afpa")
    assert prints.kind is ReminderKind.AFPA_PRINTS and "vendredi 4 décembre" in prints.text
    assert my_reminders(demo, "admin") == []
    assert my_reminder_kinds(demo, "afpa") == (ReminderKind.AFPA_PRINTS, ReminderKind.AFPA_PND)
    assert ReminderKind.VALIDATION in my_reminder_kinds(demo, "deets974")
    assert ReminderKind.CANDIDATE_DUPLICATES in my_reminder_kinds(demo, "deets974")


def test_afpa_told_to_resend_a_corrected_pnd(demo, clock) -> None:
    from ceres_core.services.printing import record_pnd

    session_ref = my_reminders(demo, "ud75")
    ref = _kinds(session_ref, ReminderKind.PND_RETURNED)[0].action.params["session"]
    clock.advance(hours=1)
    record_pnd(demo, "ud75", ref, "C260000006", new_address="8 rue Oberkampf",
               new_postal_code="75011", new_city="Paris")
    events = my_reminders(demo, "afpa")
    (resend,) = _kinds(events, ReminderKind.AFPA_PND)
    assert "8 rue Oberkampf, 75011 Paris" in resend.text
    with demo.transaction() as db:
        assert resend.recipients == (db.scalar(select(User.id).where(User.login == "afpa")),)
    # The address is corrected: the UD has nothing more to do about that PND (R-AFT-2).
    assert _kinds(my_reminders(demo, "ud75"), ReminderKind.PND_RETURNED) == []


def test_days_without_reminders_for_a_centre(demo, clock) -> None:
    _set(clock, 2026, 12, 7)
    days = [date(2026, 12, 7) + timedelta(days=n) for n in range(3)]
    assert all(my_reminders(demo, "centre.reunion", d) == [] for d in days)
