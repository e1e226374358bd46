"""R-ACT-1 / R-ACT-2: scope checks shared by every service."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ceres_core.access import load_actor, require_site
from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import AuditEvent, Role, Site
from ceres_core.services._operation import operation


def test_r_act_2_each_role_sees_only_its_zone(core, world):
    with core.transaction() as db:
        a1 = db.get(Site, world.sites["A1"])
        b1 = db.get(Site, world.sites["B1"])
        allowed = {
            "centre_a": {"A1"},
            "ud75": {"A1"},
            "dreets_idf": {"A1"},
            "dreets_bzh": {"B1"},
            "ud35": {"B1"},
            "admin": {"A1", "B1"},
        }
        for login, sites in allowed.items():
            user = load_actor(db, login)
            for name, site in (("A1", a1), ("B1", b1)):
                roles = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN)
                if name in sites:
                    assert require_site(user, site, roles, "agir").role in roles
                else:
                    with pytest.raises(RuleViolation) as err:
                        require_site(user, site, roles, "agir sur ce site")
                    assert err.value.rule == "R-ACT-2"
                    assert "hors de votre périmètre" in err.value.message


def test_r_act_2_role_not_allowed(core, world):
    with core.transaction() as db:
        site = db.get(Site, world.sites["A1"])
        with pytest.raises(RuleViolation) as err:
            require_site(load_actor(db, "afpa"), site, (Role.UD,), "valider une session")
        assert err.value.message == "Votre profil ne permet pas de valider une session (R-ACT-2)."


def test_unknown_actor(core, world):
    with core.transaction() as db, pytest.raises(NotFound):
        load_actor(db, "nobody")


def test_r_act_2_refusals_are_logged(core, world):
    @operation("test.touch")
    def touch(core, actor, site_key):
        with core.transaction() as db:
            user = load_actor(db, actor)
            require_site(user, db.get(Site, world.sites[site_key]), (Role.UD,), "agir")

    with pytest.raises(RuleViolation):
        touch(core, "ud35", "A1")
    with core.transaction() as db:
        event = db.scalars(select(AuditEvent)).one()
        assert (event.actor_login, event.action, event.outcome, event.rule) == (
            "ud35", "test.touch", "refused", "R-ACT-2")
