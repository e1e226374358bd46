"""Demo data a person can explore (``ceres-assist init --demo``).

Dates are relative to the injected clock, so that "a print request 3 days old"
stays 3 days old whenever the demo is loaded. Loading twice does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceres_core.core import Core
from ceres_core.models import (
    AckKind,
    ActivationCode,
    Agrement,
    Attendance,
    Candidate,
    CandidateState,
    Ccp,
    Ccs,
    Centre,
    DteAcknowledgement,
    DteOrder,
    ExamSession,
    Habilitation,
    HabilitationState,
    Juror,
    JuryMember,
    PndEvent,
    PrintKind,
    PrintRequest,
    Profile,
    Registration,
    Result,
    Role,
    RsKind,
    SessionKind,
    SessionState,
    Site,
    Title,
    User,
)
from ceres_core.names import name_key
from ceres_core.seed import ensure_centre_reprise, ensure_geography

#: The login that marks a database where the demo was loaded.
MARKER_LOGIN = "admin"

#: Demo accounts: login -> (name, [(role, scope)]).
DEMO_USERS: dict[str, tuple[str, list[tuple[Role, dict[str, str]]]]] = {
    "centre.formapro": ("Sophie Bernard (Formapro Paris)", [(Role.CENTRE, {"centre": "formapro"})]),
    "centre.bretagne": ("Yann Le Bihan (Bretagne Compétences)",
                        [(Role.CENTRE, {"centre": "bretagne"})]),
    "centre.reunion": ("Marie-Josée Hoarau (Forma Réunion)", [(Role.CENTRE, {"centre": "reunion"})]),
    "ud75": ("Karim Haddad (UD de Paris)", [(Role.UD, {"departement_code": "75"})]),
    "ud93": ("Claire Petit (UD de Seine-Saint-Denis)", [(Role.UD, {"departement_code": "93"})]),
    "ddets35": ("Gwenaëlle Morvan (DDETS d'Ille-et-Vilaine)",
                [(Role.UD, {"departement_code": "35"})]),
    "deets974": ("Jean-Paul Payet (DEETS La Réunion)", [(Role.UD, {"departement_code": "974"}),
                                                         (Role.DREETS, {"region_code": "04"})]),
    "dreets.idf": ("Nathalie Roux (DRIEETS Île-de-France)", [(Role.DREETS, {"region_code": "11"})]),
    "dreets.bretagne": ("Erwan Guillou (DREETS Bretagne)", [(Role.DREETS, {"region_code": "53"})]),
    "admin": ("Administration nationale CERES", [(Role.ADMIN, {})]),
    "afpa": ("Service impression Afpa", [(Role.AFPA, {})]),
    "gev": ("GEV Afpa", [(Role.GEV, {})]),
    "support": ("Assistance CERES", [(Role.SUPPORT, {})]),
}


@dataclass
class DemoSummary:
    already_loaded: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def load_demo(core: Core) -> DemoSummary:
    with core.transaction() as db:
        if db.scalar(select(User).where(User.login == MARKER_LOGIN)) is not None:
            return DemoSummary(already_loaded=True)
        builder = _Builder(db, core.clock.now())
        builder.build()
        return DemoSummary(counts=builder.counts())


class _Builder:
    def __init__(self, db: Session, now: datetime) -> None:
        self.db = db
        self.now = now
        self.today = now.date()
        self.centres: dict[str, Centre] = {}
        self.sites: dict[str, Site] = {}
        self.titles: dict[str, Title] = {}
        self.agrements: dict[str, Agrement] = {}
        self.sessions: list[ExamSession] = []
        self.candidates: dict[str, Candidate] = {}
        self.users: dict[str, User] = {}
        self._ref = 470400
        self._cand = 0

    # -- helpers -------------------------------------------------------------
    def at(self, days: int, hour: int = 10) -> datetime:
        """A moment ``days`` from now (negative: in the past)."""
        return (self.now + timedelta(days=days)).replace(hour=hour, minute=0, second=0,
                                                          microsecond=0)

    def day(self, days: int) -> date:
        return self.today + timedelta(days=days)

    def counts(self) -> dict[str, int]:
        return {
            "centres": len(self.centres),
            "sites": len(self.sites),
            "titres": len(self.titles),
            "sessions": len(self.sessions),
            "candidats": len(self.candidates),
            "comptes de démonstration": len(self.users),
        }

    # -- build ---------------------------------------------------------------
    def build(self) -> None:
        ensure_geography(self.db)
        self.centres["reprise"] = ensure_centre_reprise(self.db, self.now)
        self._centres_and_sites()
        self._titles()
        self._agrements()
        self._users()
        self._sessions()
        self._candidates_and_results()
        self._juries()
        self.db.flush()

    def _centres_and_sites(self) -> None:
        specs = {
            "formapro": ("44201816400016", "Formapro Paris", "12 rue de la Roquette", "75011",
                         "Paris"),
            "bretagne": ("35620718300019", "Bretagne Compétences", "3 boulevard de la Liberté",
                         "35000", "Rennes"),
            "reunion": ("81234567600017", "Forma Réunion", "8 rue de Paris", "97400",
                        "Saint-Denis"),
            "greta92": ("77500011000012", "GRETA des Hauts-de-Seine", "1 place de la Mairie",
                        "92000", "Nanterre"),
        }
        for key, (siret, name, address, cp, commune) in specs.items():
            centre = Centre(siret=siret, name=name, address=address, postal_code=cp,
                            commune=commune, created_at=self.at(-900))
            self.db.add(centre)
            self.centres[key] = centre
        self.db.flush()
        # Forma Réunion already opened its account; Bretagne Compétences never got a code.
        self.db.add(ActivationCode(centre_id=self.centres["reunion"].id,
                                   code_hash="demo-code-already-used", issued_at=self.at(-800),
                                   used_at=self.at(-790)))
        sites = {
            "paris11": ("S-750001", "formapro", "Formapro Paris 11e", "75011", "Paris", "75"),
            "stdenis": ("S-930001", "formapro", "Formapro Saint-Denis", "93200", "Saint-Denis",
                        "93"),
            "rennes": ("S-350001", "bretagne", "Bretagne Compétences Rennes", "35000", "Rennes",
                       "35"),
            "reunion": ("S-974001", "reunion", "Forma Réunion Saint-Denis", "97400",
                        "Saint-Denis", "974"),
            "leport": ("S-974002", "reunion", "Forma Réunion Le Port", "97420", "Le Port", "974"),
            # Misplaced at the migration: belongs to the Institut des métiers du paysage
            # (SIRET 55301534800012, in the company directory but not yet in CERES).
            "montreuil": ("S-930002", "reprise", "Institut des métiers du paysage – Montreuil",
                          "93100", "Montreuil", "93"),
            # On a wrong ordinary centre: this Rennes site belongs to Bretagne Compétences.
            "cesson": ("S-350002", "greta92", "Antenne de Cesson-Sévigné", "35510",
                       "Cesson-Sévigné", "35"),
        }
        for key, (code, centre, name, cp, commune, dep) in sites.items():
            site = Site(code=code, centre=self.centres[centre], name=name, postal_code=cp,
                        commune=commune, departement_code=dep)
            self.db.add(site)
            self.sites[key] = site

    def _titles(self) -> None:
        specs = [
            ("ODP", "TP-00463", "Ouvrier du paysage", "ODP", date(2018, 9, 20), 3,
             ["214r", "214s"], "RNCP31666", "btp",
             [("CCP-00463-1", "Réaliser des travaux d'entretien paysager"),
              ("CCP-00463-2", "Réaliser des travaux d'aménagement paysager")],
             [("CCS-00463-1", "Entretien des espaces sportifs engazonnés")]),
            ("SC", "TP-01303", "Secrétaire comptable", "SC", date(2020, 3, 1), 4, ["324t"],
             "RNCP35012", "tertiaire",
             [("CCP-01303-1", "Assurer les travaux courants de secrétariat"),
              ("CCP-01303-2", "Assurer les travaux courants de comptabilité")], []),
            ("TMI", "TP-00222", "Technicien de maintenance industrielle", "TMI",
             date(2019, 6, 1), 4, ["227n"], "RNCP34045", "industrie",
             [("CCP-00222-1", "Maintenir les équipements mécaniques"),
              ("CCP-00222-2", "Maintenir les équipements électriques")], []),
        ]
        for key, code, label, abbr, vdate, level, domains, rncp, sector, ccps, ccss in specs:
            title = Title(code=code, label=label, abbreviation=abbr, version_date=vdate,
                          level=level, domains=domains, rncp=rncp, sector=sector,
                          dte_edition_from=vdate + timedelta(days=120),
                          valid_until=self.day(900), extension_until=self.day(1265),
                          ccps=[Ccp(code=c, label=lab, rank=i + 1)
                                for i, (c, lab) in enumerate(ccps)],
                          ccss=[Ccs(code=c, label=lab) for c, lab in ccss])
            self.db.add(title)
            self.titles[key] = title
        self.db.flush()

    def _agrements(self) -> None:
        specs = {
            "paris11-ODP": ("paris11", "ODP", -800, 700, "Claire Martin", "Paul Durand"),
            "stdenis-SC": ("stdenis", "SC", -600, 900, "Léa Fontaine", None),
            "rennes-SC": ("rennes", "SC", -700, 45, "Anne Le Goff", "Loïc Tanguy"),  # ends soon
            "reunion-SC": ("reunion", "SC", -500, 800, "Jean Payet", "Sylvie Grondin"),
            "leport-TMI": ("leport", "TMI", -400, 900, "Thierry Rivière", None),
            "montreuil-ODP": ("montreuil", "ODP", -300, 1000, None, None),
            "cesson-TMI": ("cesson", "TMI", -300, 1000, "Hervé Le Gall", None),
        }
        for key, (site, title, start, end, rs, sub) in specs.items():
            agr = Agrement(site=self.sites[site], title=self.titles[title],
                           granted_on=self.day(start), ends_on=self.day(end), rs_titular=rs,
                           rs_substitute=sub)
            self.db.add(agr)
            self.agrements[key] = agr
        self.db.flush()

    def _users(self) -> None:
        for login, (name, profiles) in DEMO_USERS.items():
            user = User(login=login, display_name=name, created_at=self.at(-1000))
            for role, scope in profiles:
                values = dict(scope)
                if "centre" in values:
                    user.profiles.append(Profile(role=role,
                                                 centre=self.centres[values.pop("centre")]))
                else:
                    user.profiles.append(Profile(role=role, **values))
            self.db.add(user)
            self.users[login] = user
        self.db.flush()

    def _session(self, agrement: str, kind: SessionKind, state: SessionState, start: int,
                 *, final_interview: bool = False, sub: int = 0) -> ExamSession:
        agr = self.agrements[agrement]
        title = agr.title
        self._ref += 1
        letter = {"TP": "TITRE", "CCP": "CCP", "CCS": "CCS"}[kind.value]
        start_date = self.day(start)
        session = ExamSession(
            ref=f"{letter}_B_{start_date.year}_{self._ref:06d}", site=agr.site, agrement=agr,
            kind=kind, title=title, ccp=title.ccps[sub] if kind is SessionKind.CCP else None,
            ccs=title.ccss[0] if kind is SessionKind.CCS else None,
            with_final_interview=final_interview or kind is SessionKind.TP,
            start_date=start_date, start_time=time(8, 30), end_date=start_date + timedelta(days=1),
            state=state, created_at=self.at(start - 150),
        )
        past = start < 0
        order = self.users["centre.formapro"]
        ordered = state is not SessionState.EN_PREPARATION or start < 120
        if ordered and (state is not SessionState.ANNULEE or past):
            session.dte_order = DteOrder(
                ordered_at=self.at(start - 110), ordered_by_id=order.id,
                candidates_count=3, rs_kind=RsKind.TITULAIRE,
                rs_name=agr.rs_titular or "Responsable de session",
                contact_name="Secrétariat examens", contact_phone="01 43 55 66 77",
                contact_email="examens@formapro.example",
                delivery_address=f"{agr.site.name}, {agr.site.postal_code} {agr.site.commune}",
                acknowledgements=[
                    DteAcknowledgement(kind=AckKind.RECEPTION, at=self.at(start - 109)),
                    DteAcknowledgement(kind=AckKind.PREPARATION, at=self.at(start - 60),
                                       links=["https://dte.example/organisateur"]),
                ],
            )
        if state not in (SessionState.EN_PREPARATION, SessionState.ANNULEE):
            session.convocations_issued_at = self.at(start - 35)
        if state in (SessionState.EN_ATTENTE_VALIDATION, SessionState.VALIDEE,
                     SessionState.DEBLOQUEE):
            session.closed_by_centre_at = self.at(start + 3)
        if state is SessionState.VALIDEE:
            session.validated_at = self.at(start + 10)
        if state is SessionState.ANNULEE:
            session.cancelled_at = self.at(start - 20 if not past else start - 40)
        self.db.add(session)
        self.sessions.append(session)
        return session

    def _sessions(self) -> None:
        S = SessionState
        plan = {
            SessionKind.TP: ("paris11-ODP", 0),
            SessionKind.CCP: ("stdenis-SC", 0),
            SessionKind.CCS: ("paris11-ODP", 0),
        }
        offsets = {S.EN_PREPARATION: 130, S.CONVOCATIONS_ENVOYEES: 20,
                   S.RESULTATS_SAISIS: -5, S.EN_ATTENTE_VALIDATION: -12, S.VALIDEE: -60,
                   S.DEBLOQUEE: -45, S.ANNULEE: 70}
        self.by_state: dict[tuple[SessionKind, SessionState], ExamSession] = {}
        for kind, (agr, sub) in plan.items():
            for state, offset in offsets.items():
                self.by_state[kind, state] = self._session(agr, kind, state, offset, sub=sub)
        # More validated sessions elsewhere, for print tracking in several zones.
        self.reunion_validated = self._session("reunion-SC", SessionKind.TP, S.VALIDEE, -50)
        self.rennes_validated = self._session("rennes-SC", SessionKind.TP, S.VALIDEE, -40)
        self.rennes_soon = self._session("rennes-SC", SessionKind.TP, S.EN_PREPARATION, 40)
        self.leport_ccp = self._session("leport-TMI", SessionKind.CCP, S.EN_PREPARATION, 75)
        self.montreuil_tp = self._session("montreuil-ODP", SessionKind.TP, S.EN_PREPARATION, 150)
        self.db.flush()

    def _candidate(self, civility: str, last: str, first: str, birth: date, region: str,
                   *, state: CandidateState = CandidateState.VALIDE, country: str = "France",
                   commune: str | None = "Paris", birth_cp: str | None = "75012",
                   city: tuple[str, str, str] = ("5 rue des Lilas", "75020", "Paris")) -> Candidate:
        self._cand += 1
        cand = Candidate(
            ceres_id=f"C{self.today.year % 100:02d}{self._cand:07d}", civility=civility,
            last_name=last, first_name=first, name_key=name_key(last, first), birth_date=birth,
            birth_country=country, birth_commune=commune, birth_postal_code=birth_cp,
            address=city[0], postal_code=city[1], city=city[2], state=state, region_code=region,
            created_at=self.at(-400),
        )
        self.db.add(cand)
        self.candidates[f"{last} {first}"] = cand
        return cand

    def _register(self, session: ExamSession, cand: Candidate, result: Result | None = None,
                  *, ccps: list[Ccp] | None = None, attendance: Attendance | None = None,
                  verified: bool = False, vae: bool = False) -> Registration:
        reg = Registration(session=session, candidate=cand, is_vae=vae,
                           registered_at=self.at((session.start_date - self.today).days - 50))
        if result is not None or attendance is not None:
            reg.attendance = attendance or Attendance.PRESENT
            reg.result = result
            reg.ccps_obtained = ccps or []
        if verified:
            reg.data_verified_at = self.at((session.start_date - self.today).days + 12)
            reg.data_verified_by_id = self.users["ud75"].id
        self.db.add(reg)
        return reg

    def _candidates_and_results(self) -> None:
        S, K = SessionState, SessionKind
        c = self._candidate
        martin = c("Mme", "Martin", "Julie", date(1992, 3, 14), "11")
        nguyen = c("M.", "Nguyen", "Thomas", date(1988, 11, 2), "11")
        diallo = c("Mme", "Diallo", "Aïssatou", date(1995, 7, 21), "11")
        lefevre = c("M.", "Lefèvre", "Antoine", date(1979, 1, 30), "11")
        mariach = c("M.", "MARIACH1", "Youssef", date(1990, 5, 5), "11")  # digit in the name
        dupont1 = c("Mme", "Dupont", "Marie-Hélène", date(1985, 4, 12), "11")
        dupont2 = c("Mme", "DUPONT", "Marie Helene", date(1985, 4, 12), "11",
                    state=CandidateState.BROUILLON)  # the same person, twice
        garcia = c("M.", "Garcia", "Lucas", date(2001, 9, 9), "11")
        moreau = c("Mme", "Moreau", "Inès", date(1998, 2, 17), "11")
        payet = c("M.", "Payet", "Kévin", date(1996, 12, 1), "04", country="Réunion",
                  commune="Saint-Pierre", birth_cp=None,
                  city=("14 chemin des Roses", "97410", "Saint-Pierre"))
        hoarau = c("Mme", "Hoarau", "Émilie", date(1993, 6, 8), "04", country="Réunion",
                   commune="Le Tampon", birth_cp=None,
                   city=("2 rue Leconte de Lisle", "97430", "Le Tampon"))
        tanguy = c("M.", "Tanguy", "Loïc", date(1987, 8, 19), "53", commune="Brest",
                   birth_cp="29200", city=("9 rue de Brest", "35000", "Rennes"))
        lebris = c("Mme", "Le Bris", "Anaïs", date(1999, 10, 3), "53", commune="Quimper",
                   birth_cp="29000", city=("4 allée des Tilleuls", "35200", "Rennes"))
        self.db.flush()

        odp = self.titles["ODP"]
        # TP validated 60 days ago: admitted, partially admitted, refused; print requests.
        tp_val = self.by_state[K.TP, S.VALIDEE]
        r1 = self._register(tp_val, martin, Result.ADMIS, verified=True)
        r2 = self._register(tp_val, nguyen, Result.PARTIELLEMENT_ADMIS, ccps=[odp.ccps[0]],
                            verified=True)
        r3 = self._register(tp_val, diallo, Result.REFUSE)
        r4 = self._register(tp_val, mariach, Result.ADMIS)
        r5 = self._register(tp_val, dupont1, Result.ADMIS, verified=True)
        uid = self.users["ud75"].id
        # initial request 10 days ago (a duplicate is possible) and 3 days ago (not yet).
        r1.print_requests.append(PrintRequest(kind=PrintKind.INITIALE, requested_at=self.at(-10),
                                              requested_by_id=uid))
        r2.print_requests.append(PrintRequest(kind=PrintKind.INITIALE, requested_at=self.at(-3),
                                              requested_by_id=uid))
        r5.print_requests.append(PrintRequest(kind=PrintKind.INITIALE, requested_at=self.at(-30),
                                              requested_by_id=uid))
        # The mail to Marie-Hélène Dupont came back: returned undelivered (PND).
        r5.pnd_events.append(PndEvent(reported_at=self.at(-8), recorded_by_id=uid,
                                      previous_address="5 rue des Lilas, 75020 Paris",
                                      comment="Pli retourné par La Poste : destinataire inconnu "
                                              "à l'adresse."))
        del r3, r4
        # TP reopened, TP awaiting validation, TP with results entered, TP convoked.
        self._register(self.by_state[K.TP, S.DEBLOQUEE], lefevre, Result.ADMIS)
        self._register(self.by_state[K.TP, S.EN_ATTENTE_VALIDATION], garcia, Result.ADMIS)
        self._register(self.by_state[K.TP, S.RESULTATS_SAISIS], moreau, Result.REFUSE)
        self._register(self.by_state[K.TP, S.CONVOCATIONS_ENVOYEES], dupont2)
        self._register(self.by_state[K.TP, S.EN_PREPARATION], garcia)
        # CCP and CCS validated sessions: none sent for printing yet.
        self._register(self.by_state[K.CCP, S.VALIDEE], moreau, Result.ADMIS)
        self._register(self.by_state[K.CCS, S.VALIDEE], martin, Result.ADMIS)
        self._register(self.by_state[K.CCP, S.CONVOCATIONS_ENVOYEES], lefevre)
        # Overseas: La Réunion, some but not all printed (DEETS forwards, R-PRT-7).
        rr1 = self._register(self.reunion_validated, payet, Result.ADMIS, verified=True)
        self._register(self.reunion_validated, hoarau, Result.PARTIELLEMENT_ADMIS,
                       ccps=[self.titles["SC"].ccps[0]])
        rr1.print_requests.append(PrintRequest(kind=PrintKind.INITIALE, requested_at=self.at(-20),
                                               requested_by_id=self.users["deets974"].id))
        # Bretagne: validated, nothing printed yet.
        self._register(self.rennes_validated, tanguy, Result.ADMIS)
        self._register(self.rennes_validated, lebris, Result.REFUSE)

    def _juries(self) -> None:
        odp = self.titles["ODP"]
        sc = self.titles["SC"]
        specs = [
            ("M.", "Lambert", "Olivier", "Paysagiste", -200, [
                (odp, None, None, HabilitationState.ACTIVE),
                (odp, odp.ccps[0], None, HabilitationState.ACTIVE),
                (odp, None, odp.ccss[0], HabilitationState.ACTIVE)]),
            ("Mme", "Girard", "Hélène", "Comptable", -100, [
                (sc, None, None, HabilitationState.ACTIVE)]),
            ("M.", "Robert", "Didier", "Jardinier", -400, [
                (odp, None, None, HabilitationState.SUSPENDUE)]),
            ("Mme", "Blanc", "Sandrine", "Assistante de direction", -3000, [
                (sc, None, None, HabilitationState.EXPIREE)]),
            ("M.", "Faure", "Mathieu", "Chef d'équipe paysagiste", -60, [
                (odp, None, None, HabilitationState.BROUILLON)]),
            # Out of the job for more than 5 years: no new TP habilitation (R-JUR-4).
            ("Mme", "Chevalier", "Monique", "Ancienne paysagiste", -6 * 365 - 30, []),
        ]
        centre = self.centres["formapro"]
        jurors = []
        for civ, last, first, job, practice, habs in specs:
            juror = Juror(civility=civ, last_name=last, first_name=first, occupation=job,
                          last_practice_on=self.day(practice),
                          email=f"{first.lower()}.{last.lower()}@exemple.fr".replace("è", "e")
                          .replace("é", "e"), phone_pro="01 40 00 00 00",
                          phone_perso="06 12 34 56 78", address="1 rue du Jury",
                          postal_code="75010", city="Paris", region_code="11")
            juror.centres.append(centre)
            for title, ccp, ccs, state in habs:
                juror.habilitations.append(Habilitation(
                    title=title, ccp=ccp, ccs=ccs, state=state, starts_on=self.day(-700),
                    ends_on=self.day(-10) if state is HabilitationState.EXPIREE
                    else self.day(700), updated_at=self.at(-30)))
            self.db.add(juror)
            jurors.append(juror)
        self.db.flush()
        tp_val = self.by_state[SessionKind.TP, SessionState.VALIDEE]
        self.db.add(JuryMember(session=tp_val, juror=jurors[0], added_at=self.at(-70)))
        waiting = self.by_state[SessionKind.TP, SessionState.EN_ATTENTE_VALIDATION]
        self.db.add(JuryMember(session=waiting, juror=jurors[2], added_at=self.at(-20)))
