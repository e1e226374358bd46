"""A small standard referential for service tests (``world`` fixture).

Regions: Île-de-France (11: 75, 93), Bretagne (53: 35), La Réunion (04: 974).
Centres: the centre de reprise, centre A (Paris), centre B (Rennes), centre R
(Saint-Denis de La Réunion). Sites: A1 (75, centre A), B1 (35, centre B),
REPRISE1 (93, on the centre de reprise), R1 (974, centre R).
Users (login: role, scope): centre_a, centre_b, ud75, ud35, ud974, dreets_idf,
dreets_bzh, dreets_reunion, admin, afpa, support.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time

from ceres_core.core import Core
from ceres_core.models import (
    Agrement,
    Ccp,
    Ccs,
    Centre,
    Departement,
    ExamSession,
    Profile,
    Region,
    Role,
    SessionKind,
    SessionState,
    Site,
    Title,
    User,
)

# Luhn-valid SIRETs (stdnum.fr.siret.is_valid).
SIRET_A = "44201816400016"
SIRET_B = "35620718300019"
SIRET_R = "81234567600017"
SIRET_UNREGISTERED = "55301534800012"  # valid, in no centre of the world
SIRET_REPRISE = "0000000000000"


@dataclass
class World:
    """Ids of what :func:`build_world` created."""

    centres: dict[str, int] = field(default_factory=dict)
    sites: dict[str, int] = field(default_factory=dict)
    titles: dict[str, int] = field(default_factory=dict)
    ccps: dict[str, int] = field(default_factory=dict)
    ccss: dict[str, int] = field(default_factory=dict)
    agrements: dict[str, int] = field(default_factory=dict)
    sessions: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)


def build_world(core: Core) -> World:
    w = World()
    now = core.clock.now()
    with core.transaction() as db:
        db.add_all(
            [
                Region(code="11", name="Île-de-France", service_name="DRIEETS Île-de-France"),
                Region(code="53", name="Bretagne", service_name="DREETS Bretagne"),
                Region(code="04", name="La Réunion", service_name="DEETS La Réunion"),
            ]
        )
        db.flush()
        db.add_all(
            [
                Departement(code="75", name="Paris", region_code="11"),
                Departement(code="93", name="Seine-Saint-Denis", region_code="11"),
                Departement(code="35", name="Ille-et-Vilaine", region_code="53"),
                Departement(code="974", name="La Réunion", region_code="04"),
            ]
        )
        centres = {
            "reprise": Centre(
                siret=SIRET_REPRISE, name="Centre de reprise", is_reprise=True, created_at=now
            ),
            "A": Centre(
                siret=SIRET_A,
                name="Formapro Paris",
                address="12 rue de la Roquette",
                postal_code="75011",
                commune="Paris",
                created_at=now,
            ),
            "B": Centre(
                siret=SIRET_B,
                name="Bretagne Compétences",
                address="3 boulevard de la Liberté",
                postal_code="35000",
                commune="Rennes",
                created_at=now,
            ),
            "R": Centre(
                siret=SIRET_R,
                name="Forma Réunion",
                address="8 rue de Paris",
                postal_code="97400",
                commune="Saint-Denis",
                created_at=now,
            ),
        }
        db.add_all(centres.values())
        db.flush()
        sites = {
            "A1": Site(code="S-A1", centre_id=centres["A"].id, name="Formapro Paris 11e",
                       postal_code="75011", commune="Paris", departement_code="75"),
            "B1": Site(code="S-B1", centre_id=centres["B"].id, name="Bretagne Compétences Rennes",
                       postal_code="35000", commune="Rennes", departement_code="35"),
            "REPRISE1": Site(code="S-RP1", centre_id=centres["reprise"].id,
                             name="Site de Montreuil", postal_code="93100", commune="Montreuil",
                             departement_code="93"),
            "R1": Site(code="S-R1", centre_id=centres["R"].id, name="Forma Réunion Saint-Denis",
                       postal_code="97400", commune="Saint-Denis", departement_code="974"),
        }
        db.add_all(sites.values())
        paysage = Title(
            code="TP-00463", label="Ouvrier du paysage", abbreviation="ODP",
            version_date=date(2018, 9, 20), level=3, domains=["214r", "214s"], rncp="RNCP31666",
            sector="btp", dte_edition_from=date(2019, 1, 1), valid_until=date(2028, 12, 31),
            extension_until=date(2029, 12, 31),
        )
        secretaire = Title(
            code="TP-01303", label="Secrétaire comptable", abbreviation="SC",
            version_date=date(2020, 3, 1), level=4, domains=["324t"], rncp="RNCP35012",
            sector="tertiaire", dte_edition_from=date(2020, 6, 1), valid_until=date(2027, 6, 30),
            extension_until=date(2028, 6, 30),
        )
        db.add_all([paysage, secretaire])
        db.flush()
        ccps = {
            "ODP1": Ccp(title_id=paysage.id, code="CCP-00463-1",
                        label="Réaliser des travaux d'entretien paysager", rank=1),
            "ODP2": Ccp(title_id=paysage.id, code="CCP-00463-2",
                        label="Réaliser des travaux d'aménagement paysager", rank=2),
            "SC1": Ccp(title_id=secretaire.id, code="CCP-01303-1",
                       label="Assurer les travaux courants de comptabilité", rank=1),
        }
        ccs = Ccs(title_id=paysage.id, code="CCS-00463-1", label="Entretien des espaces sportifs")
        db.add_all([*ccps.values(), ccs])
        db.flush()
        agrements = {
            "A1-ODP": Agrement(site_id=sites["A1"].id, title_id=paysage.id,
                               granted_on=date(2024, 1, 1), ends_on=date(2028, 12, 31),
                               rs_titular="Claire Martin", rs_substitute="Paul Durand"),
            "B1-SC": Agrement(site_id=sites["B1"].id, title_id=secretaire.id,
                              granted_on=date(2023, 1, 1), ends_on=date(2027, 1, 31),
                              rs_titular="Anne Le Goff"),
            "REPRISE1-ODP": Agrement(site_id=sites["REPRISE1"].id, title_id=paysage.id,
                                     granted_on=date(2024, 6, 1), ends_on=date(2029, 5, 31)),
            "R1-SC": Agrement(site_id=sites["R1"].id, title_id=secretaire.id,
                              granted_on=date(2024, 1, 1), ends_on=date(2028, 12, 31),
                              rs_titular="Jean Payet"),
        }
        db.add_all(agrements.values())
        db.flush()
        sessions = {
            "A1-TP": ExamSession(
                ref="TITRE_A_2027_000001", site_id=sites["A1"].id,
                agrement_id=agrements["A1-ODP"].id, kind=SessionKind.TP, title_id=paysage.id,
                start_date=date(2027, 5, 20), start_time=time(8, 30), end_date=date(2027, 5, 21),
                state=SessionState.EN_PREPARATION, created_at=now,
            ),
            "REPRISE1-TP": ExamSession(
                ref="TITRE_B_2027_000002", site_id=sites["REPRISE1"].id,
                agrement_id=agrements["REPRISE1-ODP"].id, kind=SessionKind.TP,
                title_id=paysage.id, start_date=date(2027, 6, 10), start_time=time(9, 0),
                end_date=date(2027, 6, 11), state=SessionState.EN_PREPARATION, created_at=now,
            ),
        }
        db.add_all(sessions.values())
        db.flush()
        users = {
            "centre_a": ("Assistante Formapro", Role.CENTRE, {"centre_id": centres["A"].id}),
            "centre_b": ("Assistant Bretagne Compétences", Role.CENTRE,
                         {"centre_id": centres["B"].id}),
            "ud75": ("Agent UD Paris", Role.UD, {"departement_code": "75"}),
            "ud35": ("Agent DDETS Ille-et-Vilaine", Role.UD, {"departement_code": "35"}),
            "ud974": ("Agent DEETS La Réunion", Role.UD, {"departement_code": "974"}),
            "dreets_idf": ("Agent DRIEETS Île-de-France", Role.DREETS, {"region_code": "11"}),
            "dreets_bzh": ("Agent DREETS Bretagne", Role.DREETS, {"region_code": "53"}),
            "dreets_reunion": ("Agent DEETS La Réunion (régional)", Role.DREETS,
                               {"region_code": "04"}),
            "admin": ("Administration nationale", Role.ADMIN, {}),
            "afpa": ("Opérateur Afpa", Role.AFPA, {}),
            "support": ("Agent de support", Role.SUPPORT, {}),
        }
        for login, (name, role, scope) in users.items():
            user = User(login=login, display_name=name, created_at=now,
                        profiles=[Profile(role=role, **scope)])
            db.add(user)
            db.flush()
            w.users[login] = user.id
        w.centres = {k: c.id for k, c in centres.items()}
        w.sites = {k: s.id for k, s in sites.items()}
        w.titles = {"ODP": paysage.id, "SC": secretaire.id}
        w.ccps = {k: c.id for k, c in ccps.items()}
        w.ccss = {"ODP-CCS": ccs.id}
        w.agrements = {k: a.id for k, a in agrements.items()}
        w.sessions = {k: s.id for k, s in sessions.items()}
    return w
