"""The session picker of each step offers only the sessions the step's own core check
accepts (bot.operation_views.session_choices_passing), on the demo data (22/11/2026)."""

from __future__ import annotations

import pytest

from bot import catalogue
from bot import operation_views as ops
from ceres_core.errors import CeresError
from ceres_core.services.sessions import get_session, list_sessions


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def offered(core, login, op_name):
    p = next(x for x in catalogue.by_name(op_name).params if x.kind == "session")
    choices, why = ops.session_choices_passing(
        core, login, p.session_states, lambda ref: p.check(core, login, {"session": ref}))
    return [c.value for c in choices], why


@pytest.mark.parametrize("login, op_name", [
    ("centre.formapro", "order_dte"), ("centre.formapro", "close_session"),
    ("centre.formapro", "cancel_session"), ("centre.formapro", "request_print_candidate"),
    ("ud75", "request_print_candidate"), ("gev", "acknowledge_dte"),
])
def test_each_picker_offers_exactly_the_sessions_its_step_accepts(demo, login, op_name):
    p = next(x for x in catalogue.by_name(op_name).params if x.kind == "session")
    refs, why = offered(demo, login, op_name)
    for s in list_sessions(demo, login, limit=200):
        try:
            p.check(demo, login, {"session": s.ref})
            passes = True
        except CeresError:
            passes = False
        assert (s.ref in refs) == passes or len(refs) == 12, (s.ref, s.state)
    assert refs or why


def test_pickers_leave_out_the_sessions_the_trial_found(demo):
    states = {s.ref: s.state for s in list_sessions(demo, "centre.formapro", limit=200)}
    refs, _ = offered(demo, "centre.formapro", "order_dte")
    assert refs and all(states[r] != "annulee" for r in refs)
    assert "TITRE_B_2026_470405" not in refs  # DTE already ordered (R-DTE-2)
    refs, _ = offered(demo, "centre.formapro", "close_session")
    today = demo.clock.today()
    assert all(get_session(demo, "centre.formapro", r).start_date <= today for r in refs)
    refs, _ = offered(demo, "centre.formapro", "cancel_session")
    assert refs and all(states[r] != "annulee" for r in refs)
    refs, _ = offered(demo, "centre.formapro", "request_print_candidate")
    assert refs and all(states[r] == "validee" for r in refs)  # not « débloquée » (R-PRT-1)
    refs, why = offered(demo, "gev", "acknowledge_dte")
    assert refs == [] and why  # every order of the demo is acknowledged: said why
    from ceres_core.services.dte import order_dte

    order_dte(demo, "centre.formapro", "TITRE_B_2027_470401", candidates_count=1,
              rs_kind="titulaire", rs_name=None, contact_name="Paul Durand",
              contact_phone="01 23 45 67 89", contact_email="examen@formapro.fr",
              delivery_address="1 rue de la Paix, 75002 Paris")
    refs, _ = offered(demo, "gev", "acknowledge_dte")
    assert refs == ["TITRE_B_2027_470401"]
