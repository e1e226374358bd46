"""R-ACT-2 in one place (ceres_core.zone): the Python check and the SQL condition agree,
for every role."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ceres_core.access import load_actor
from ceres_core.models import Profile, Role, Site, User
from ceres_core.zone import zone_of

ALL_ROLES = tuple(Role)

#: login → the sites (world codes) its zone holds (tests/factories.py).
EXPECTED = {
    "centre_a": {"S-A1"},
    "centre_b": {"S-B1"},
    "ud75": {"S-A1"},
    "ud35": {"S-B1"},
    "ud974": {"S-R1"},
    "dreets_idf": {"S-A1", "S-RP1"},
    "dreets_bzh": {"S-B1"},
    "dreets_reunion": {"S-R1"},
    "admin": {"S-A1", "S-B1", "S-RP1", "S-R1"},
    "afpa": set(),
    "support": set(),
}


@pytest.mark.parametrize("login", sorted(EXPECTED))
def test_r_act_2_zone_python_check_and_sql_condition_agree(core, world, login):
    with core.transaction() as db:
        user = load_actor(db, login)
        zone = zone_of(user.profiles, ALL_ROLES)
        sites = db.scalars(select(Site).options(selectinload(Site.departement))).all()
        in_python = {s.code for s in sites if zone.covers_site(s)}
        in_sql = set(db.scalars(select(Site.code).where(zone.site_condition())))
    assert in_python == in_sql == EXPECTED[login]
    assert zone.empty is (not EXPECTED[login])


def test_r_act_2_zone_regions_reached(core, world):
    with core.transaction() as db:
        def zone(login, roles=ALL_ROLES):
            return zone_of(load_actor(db, login).profiles, roles)

        assert zone("dreets_idf").covers_region("11") and not zone("dreets_idf").covers_region("53")
        assert zone("admin").covers_region("53")
        # A UD reaches its département's region only where a rule says so (jurors, records).
        assert not zone("ud75").covers_region("11")
        assert zone("ud75").covers_region("11", ud_reaches_region=True)
        assert not zone("ud75").covers_region("53", ud_reaches_region=True)
        # Only the roles asked for count; a GEV reads nationally only when told.
        assert zone("dreets_idf", (Role.UD,)).empty
        gev = User(login="gev", display_name="GEV", created_at=core.clock.now(),
                   profiles=[Profile(role=Role.GEV)])
        assert zone_of(gev.profiles, ALL_ROLES).empty
        assert zone_of(gev.profiles, ALL_ROLES, national_roles=(Role.ADMIN, Role.GEV)).national
