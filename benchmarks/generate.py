"""Deterministic generator of a large CERES referential, for benchmarks.

``generate(core, GenConfig(...))`` fills an **empty** database (schema created by
``prepare_database``) with a realistic referential: every region and département,
centres with Luhn-valid SIRETs, sites spread over the départements by population,
titles with CCPs and CCSs, agréments, sessions in every state (most past ones
validated), candidates with French-looking names (accents, compound names, about
0.5 % of them a second record of one person on purpose), registrations, results,
print requests (none / some / all per validated session) and users (one UD per
département, one DREETS per region, one account per centre, the national admin).

Rows are bulk-inserted with SQLAlchemy Core ``insert()`` executemany in batches,
with explicit primary keys (PostgreSQL sequences are moved past them at the end).
The same seed gives the same data on every backend.

    from benchmarks.generate import GenConfig, generate
    report = generate(core, GenConfig(candidates=500, sessions=50))
    report.probes.search_last_name  # "Lefèvre", stored; search it as "Lefevbre"
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from typing import Any

from sqlalchemy import Connection, Table, func, select, text
from stdnum import luhn

from ceres_core import geography
from ceres_core.core import Core
from ceres_core.models import (
    Agrement,
    Ccp,
    Ccs,
    Centre,
    Departement,
    DteOrder,
    ExamSession,
    PrintRequest,
    Profile,
    Region,
    Registration,
    Role,
    Site,
    Title,
    User,
    registration_ccps,
)
from ceres_core.models import Candidate as CandidateModel
from ceres_core.models.referential import SIRET_CENTRE_REPRISE
from ceres_core.names import name_key
from ceres_core.seed import ensure_geography

__all__ = ["GenConfig", "GenReport", "Probes", "generate", "DEPARTEMENT_POPULATION"]

# ----------------------------------------------------------------------------- data

#: Rough population of each département, in thousands (INSEE order of magnitude).
DEPARTEMENT_POPULATION: dict[str, int] = {
    "01": 660, "02": 530, "03": 335, "04": 165, "05": 141, "06": 1100, "07": 330, "08": 270,
    "09": 155, "10": 310, "11": 375, "12": 280, "13": 2050, "14": 695, "15": 145, "16": 350,
    "17": 660, "18": 300, "19": 240, "2A": 160, "2B": 185, "21": 535, "22": 605, "23": 115,
    "24": 410, "25": 545, "26": 520, "27": 600, "28": 430, "29": 915, "30": 750, "31": 1430,
    "32": 190, "33": 1650, "34": 1200, "35": 1100, "36": 215, "37": 610, "38": 1270,
    "39": 255, "40": 420, "41": 330, "42": 765, "43": 228, "44": 1450, "45": 680, "46": 175,
    "47": 330, "48": 77, "49": 820, "50": 495, "51": 565, "52": 170, "53": 307, "54": 730,
    "55": 180, "56": 760, "57": 1045, "58": 200, "59": 2610, "60": 830, "61": 278,
    "62": 1460, "63": 665, "64": 690, "65": 230, "66": 480, "67": 1150, "68": 770,
    "69": 1900, "70": 235, "71": 550, "72": 565, "73": 440, "74": 840, "75": 2130,
    "76": 1255, "77": 1430, "78": 1450, "79": 375, "80": 570, "81": 390, "82": 265,
    "83": 1090, "84": 565, "85": 690, "86": 440, "87": 370, "88": 360, "89": 335, "90": 140,
    "91": 1310, "92": 1630, "93": 1660, "94": 1410, "95": 1270, "971": 380, "972": 355,
    "973": 290, "974": 870, "976": 310,
}



def _words(block: str) -> list[str]:
    return block.split()


def _lines(block: str) -> list[str]:
    return block.strip().splitlines()


# Last names, roughly by decreasing frequency (the generator weights them Zipf-like);
# "Le Gall", "Da Silva", "De La Fontaine" are one name each (see _split_names).
LAST_NAMES = _lines("""
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel
Lefèvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Lefebvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier
François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu
Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun
Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche
Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud
Dumas Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq
Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin
Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier
Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly
Hervé Schneider Fernandez Le Gall Collet Léger Bouvier Julien Prévost Millet Perrot
Daniel Le Roux Cousin Germain Breton Besson Langlois Rémy Le Goff Pelletier Lévêque
Perrier Leblanc Barré Lebrun Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud
Rodriguez Guichard Gillet Étienne Grondin Poulain Tessier Chevallier Collin Chauvin
Da Silva Bouchet Gay Lemaître Bénard Maréchal Humbert Reynaud Antoine Hoarau Perret
Barthélemy Cordier Pichon Lejeune Gilbert Lamy Delaunay Pasquier Carlier Laporte Nguyen
Diallo Dos Santos Traoré Ben Ali Benali Haddad Mansouri Cissé Kone Pereira Ferreira
Rodrigues Fernandes Gomes Lopes Martins Da Costa Ouattara Camara Keita Sylla Tran Le
Dubreuil Desjardins Beauchamp Lagarde Castel Féraud Béranger Villeneuve Lemarchand
Marechal Évrard Jégou Quéméneur Kerjean Le Bris Tanguy Le Corre Ollivier Guégan Riou
D'Arçy N'Diaye O'Neill De La Fontaine Saint-Martin Lenôtre Cœur Lœuillet Hélias
""")

FIRST_NAMES_M = _words("""
Jean Pierre Michel André Philippe Alain Bernard Jacques Daniel Christian Patrick Nicolas
Éric Frédéric Laurent Stéphane David Julien Sébastien Thomas Antoine Maxime Alexandre
Kévin Lucas Hugo Théo Nathan Louis Gabriel Arthur Jules Raphaël Léo Enzo Mathis Tom Noah
Yanis Adam Mohamed Karim Mehdi Rayan Ibrahima Moussa Mamadou Youssef Bilal Amine Sofiane
Olivier Christophe Vincent François Guillaume Romain Quentin Florian Benjamin Anthony
Jérôme Cédric Loïc Yann Gaël Erwan Ronan Mathéo Noé Timothée Benoît Hervé Gérard
Joël Rémi Aurélien Clément Valentin Baptiste Corentin Jordan Dylan Steeve Jean-Marc
""")

FIRST_NAMES_F = _words("""
Marie Nathalie Isabelle Sylvie Catherine Françoise Christine Monique Valérie Sandrine
Julie Sophie Céline Aurélie Émilie Camille Laura Manon Léa Chloé Emma Inès Jade Louise
Alice Lina Sarah Clara Anaïs Océane Mélanie Élodie Audrey Stéphanie Caroline Virginie
Fatima Aïcha Aïssatou Mariam Yasmine Nour Salomé Zoé Margaux Pauline Justine Marine
Charlotte Lucie Hélène Anne Agnès Brigitte Chantal Martine Nicole Annick Gwenaëlle Maëlle
Solène Morgane Nolwenn Maëva Priscilla Jessica Cindy Coralie Noémie Lætitia Bérénice
Éloïse Amandine Adèle Capucine Romane Clémence Ophélie Axelle Jeanne Rose Agathe
""")

COMPOUND_FIRST_M = ["Jean-Pierre", "Jean-Luc", "Jean-François", "Pierre-Yves", "Marc-Antoine",
                    "Jean-Baptiste", "Paul-Henri", "Louis-Marie"]
COMPOUND_FIRST_F = ["Marie-Hélène", "Anne-Sophie", "Marie-Claire", "Anne-Laure", "Marie-Pierre",
                    "Marie-Christine", "Rose-Marie", "Marie-Ange"]

BIRTH_COUNTRIES = [("Maroc", "Casablanca"), ("Algérie", "Alger"), ("Portugal", "Porto"),
                   ("Tunisie", "Tunis"), ("Sénégal", "Dakar"), ("Mali", "Bamako"),
                   ("Côte d'Ivoire", "Abidjan"), ("Belgique", "Liège"), ("Italie", "Naples"),
                   ("Espagne", "Valence"), ("Turquie", "Istanbul"), ("Roumanie", "Iași")]
STREETS = ["rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "place de l'Église",
           "rue des Lilas", "allée des Tilleuls", "boulevard Gambetta", "rue Pasteur",
           "chemin des Roses", "rue du Général de Gaulle", "impasse des Acacias",
           "rue de l'Hôtel de Ville", "avenue de la Gare", "rue Émile Zola"]
COMMUNE_WORDS = ["Saint-", "Villeneuve-", "Bourg-", "Montagne-", "Val-", "Pont-", "Mont-",
                 "Fontaine-", "Beaulieu-", "Champ-"]
CENTRE_WORDS = ["Formapro", "Compétences", "Afpa", "Greta", "Institut", "Campus", "Académie",
                "Atelier", "Horizon", "Avenir", "Métiers", "Pôle", "Cap", "Élan", "Tremplin"]

#: The titles: code, label, abbreviation, level, sector, domains, CCP labels, CCS labels.
TITLES: list[tuple[str, str, str, int, str, list[str], list[str], list[str]]] = [
    ("TP-00463", "Ouvrier du paysage", "ODP", 3, "btp", ["214r", "214s"],
     ["Réaliser des travaux d'entretien paysager", "Réaliser des travaux d'aménagement "
      "paysager"], ["Entretien des espaces sportifs"]),
    ("TP-01303", "Secrétaire comptable", "SC", 4, "tertiaire", ["324t"],
     ["Assurer les travaux courants de comptabilité", "Réaliser les travaux administratifs "
      "courants", "Préparer la paie et les déclarations sociales"], []),
    ("TP-00303", "Assistant de vie aux familles", "ADVF", 3, "tertiaire", ["330t"],
     ["Entretenir le logement et le linge", "Accompagner la personne dans les actes "
      "essentiels", "Relayer les parents dans la prise en charge des enfants"],
     ["Accompagner la personne en situation de handicap"]),
    ("TP-01280", "Agent de restauration", "AR", 3, "tertiaire", ["334t"],
     ["Préparer en assemblage des hors d'œuvre et desserts", "Réaliser des grillades et "
      "remettre en température", "Assurer le lavage de la vaisselle"], []),
    ("TP-00434", "Maçon", "MAC", 3, "btp", ["232s"],
     ["Réaliser des ouvrages en maçonnerie", "Réaliser des ouvrages en béton armé"], []),
    ("TP-01042", "Électricien d'équipement du bâtiment", "EEB", 3, "btp", ["255r"],
     ["Réaliser les installations électriques des bâtiments", "Installer des équipements "
      "de communication"], ["Installer des bornes de recharge"]),
    ("TP-00245", "Conducteur du transport routier de marchandises sur porteur", "CTRMP", 3,
     "industrie", ["311u"], ["Préparer et réaliser un transport", "Réaliser en sécurité "
                             "les opérations de manutention"], []),
    ("TP-01334", "Technicien supérieur de maintenance industrielle", "TSMI", 5, "industrie",
     ["250r"], ["Réaliser la maintenance corrective", "Réaliser la maintenance préventive",
                "Améliorer les équipements"], []),
    ("TP-01281", "Employé commercial en magasin", "ECM", 3, "tertiaire", ["312t"],
     ["Approvisionner un rayon", "Accueillir et accompagner le client"], []),
    ("TP-00299", "Développeur web et web mobile", "DWWM", 5, "tertiaire", ["326t"],
     ["Développer la partie front-end", "Développer la partie back-end"], []),
    ("TP-01303B", "Gestionnaire de paie", "GP", 5, "tertiaire", ["315t"],
     ["Assurer la tenue du dossier social", "Assurer la production de la paie"], []),
    ("TP-00117", "Soudeur assembleur industriel", "SAI", 3, "industrie", ["254s"],
     ["Assembler et souder à plat", "Souder en toutes positions"],
     ["Souder des tubes d'acier"]),
]

# Session states, by how far in the past the session started (days before "today").
_STATE_PLAN: list[tuple[int, list[tuple[str, float]]]] = [
    # (start offset strictly below this bound, [(state, weight)])
    (-60, [("validee", 86), ("annulee", 5), ("debloquee", 2), ("en_attente_validation", 4),
           ("resultats_saisis", 3)]),
    (-10, [("validee", 40), ("en_attente_validation", 30), ("resultats_saisis", 25),
           ("annulee", 5)]),
    (0, [("resultats_saisis", 50), ("convocations_envoyees", 45), ("annulee", 5)]),
    (35, [("convocations_envoyees", 80), ("en_preparation", 15), ("annulee", 5)]),
    (10**6, [("en_preparation", 95), ("annulee", 5)]),
]
_WITH_RESULTS = {"resultats_saisis", "en_attente_validation", "validee", "debloquee"}
_CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVW"  # as ceres_core.services.candidates


# ---------------------------------------------------------------------- config/report


@dataclass(frozen=True)
class GenConfig:
    candidates: int = 200_000
    sessions: int = 20_000
    centres: int = 2_000
    sites: int = 3_000
    seed: int = 20261122
    #: Share of candidate records that are a second record of an existing person.
    duplicate_rate: float = 0.005
    registrations_per_session: tuple[int, int] = (3, 5)
    #: Share of validated sessions with all / some / no print requests sent.
    print_all: float = 0.45
    print_some: float = 0.20
    batch_size: int = 5_000
    #: ANALYZE after loading (PostgreSQL's autovacuum would; SQLite never does by itself).
    analyze_postgresql: bool = True
    analyze_sqlite: bool = False

    @classmethod
    def small(cls, **kw: Any) -> GenConfig:
        """A data set for tests: 500 candidates, 50 sessions, 40 centres, 60 sites."""
        values: dict[str, Any] = {"candidates": 500, "sessions": 50, "centres": 40, "sites": 60,
                                  "batch_size": 200, "duplicate_rate": 0.02}
        values.update(kw)
        return cls(**values)


@dataclass
class Probes:
    """Known records and logins the benchmark (and its test) query."""

    #: The search target: a stored "Lefèvre Antoine", to be searched as "Lefevbre".
    search_ceres_id: str = ""
    search_last_name: str = "Lefèvre"
    search_first_name: str = "Antoine"
    search_typo: str = "Lefevbre"
    search_birth_date: date = date(1979, 1, 30)
    search_region: str = ""
    #: A second record of the same person ("LEFEVRE Antoine"), in another region.
    duplicate_ceres_id: str = ""
    #: The logins: a UD (one département), its DREETS (one region), the admin.
    ud_login: str = ""
    ud_departement: str = ""
    dreets_login: str = ""
    dreets_region: str = ""
    admin_login: str = "admin"
    #: The region with the most candidate records (whole-region duplicate scan).
    largest_region: str = ""
    centre_login: str = ""
    #: Planted duplicate pairs (CERES IDs), the probe's included.
    planted_duplicates: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class GenReport:
    counts: dict[str, int]
    seconds: float
    probes: Probes
    timings: dict[str, float] = field(default_factory=dict)


# ----------------------------------------------------------------------------- helpers


def _siret(rng: random.Random, used: set[str]) -> str:
    """A Luhn-valid SIRET (valid SIREN + NIC), unique in ``used``."""
    while True:
        siren = f"{rng.randrange(10**7, 10**8)}"
        siren += luhn.calc_check_digit(siren)
        nic = f"{rng.randrange(1, 10**3):04d}"
        siret = siren + nic + luhn.calc_check_digit(siren + nic)
        if siret not in used and not siret.startswith("356000000"):  # La Poste's exception
            used.add(siret)
            return siret


def _postal_code(rng: random.Random, dep: str) -> str:
    if len(dep) == 3:
        return f"{dep}{rng.randrange(0, 100):02d}"
    prefix = "20" if dep in ("2A", "2B") else dep
    return f"{prefix}{rng.randrange(0, 1000):03d}"


def _commune(rng: random.Random, dep_name: str) -> str:
    return f"{rng.choice(COMMUNE_WORDS)}{dep_name.split()[0].split('-')[0]}"


def _ceres_id(region_code: str, year: int, ident: int) -> str:
    number = f"{region_code}{year % 100:02d}{ident:07d}"
    return number + _CHECK_LETTERS[int(number) % len(_CHECK_LETTERS)]


def _zipf_weights(n: int, s: float = 0.9) -> list[float]:
    return [1.0 / (rank + 1) ** s for rank in range(n)]


def _strip_accents_upper(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", value)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


def _typo(rng: random.Random, value: str) -> str:
    """One letter doubled, dropped or swapped (inside the word, never the first letters)."""
    if len(value) < 5:
        return value + value[-1]
    i = rng.randrange(2, len(value) - 1)
    kind = rng.randrange(3)
    if kind == 0:
        return value[:i] + value[i] + value[i:]
    if kind == 1:
        return value[:i] + value[i + 1 :]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


def _bulk(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], batch: int) -> None:
    for start in range(0, len(rows), batch):
        conn.execute(table.insert(), list(rows[start : start + batch]))


def _weighted_choice(rng: random.Random, plan: list[tuple[str, float]]) -> str:
    states = [s for s, _ in plan]
    weights = [w for _, w in plan]
    return rng.choices(states, weights)[0]


# --------------------------------------------------------------------------- generator


class _Generator:
    def __init__(self, core: Core, config: GenConfig) -> None:
        self.core = core
        self.cfg = config
        self.rng = random.Random(config.seed)
        self.now: datetime = core.clock.now()
        self.today: date = core.clock.today()
        self.counts: dict[str, int] = {}
        self.timings: dict[str, float] = {}
        self.probes = Probes()
        deps = list(geography.departements())
        self.deps = deps
        self.dep_codes = [d.code for d in deps]
        self.dep_weights = list(accumulate(DEPARTEMENT_POPULATION.get(d.code, 300) for d in deps))
        self.dep_region = {d.code: d.region_code for d in deps}
        self.dep_name = {d.code: d.name for d in deps}
        self.last_names = [n for line in LAST_NAMES for n in self._split_names(line)]
        self.region_deps: dict[str, list[str]] = {}
        for d in deps:
            self.region_deps.setdefault(d.region_code, []).append(d.code)

    def at(self, days: int, hour: int = 10) -> datetime:
        moment = self.now + timedelta(days=days)
        return moment.replace(hour=hour, minute=0, second=0, microsecond=0)

    # -- steps ------------------------------------------------------------------------

    def run(self) -> GenReport:
        started = time.perf_counter()
        with self.core.transaction() as db:
            ensure_geography(db)
        self._step("referential", self._referential)
        self._step("users", self._users)
        self._step("candidates", self._candidates)
        self._step("sessions", self._sessions)
        self._step("registrations", self._registrations)
        self._step("finish", self._finish)
        return GenReport(self.counts, time.perf_counter() - started, self.probes, self.timings)

    def _step(self, name: str, fn) -> None:
        t0 = time.perf_counter()
        with self.core.engine.begin() as conn:
            fn(conn)
        self.timings[name] = time.perf_counter() - t0

    def _referential(self, conn: Connection) -> None:
        rng, cfg = self.rng, self.cfg
        used: set[str] = set()
        centres = [{
            "id": 1, "siret": SIRET_CENTRE_REPRISE, "name": "Centre de reprise",
            "address": None, "postal_code": None, "commune": None, "centre_type": None,
            "network": None, "is_reprise": True, "created_at": self.at(-2500),
            "created_by_id": None,
        }]
        centre_dep: dict[int, str] = {}
        for ident in range(2, cfg.centres + 2):
            dep = rng.choices(self.dep_codes, cum_weights=self.dep_weights)[0]
            centre_dep[ident] = dep
            name = f"{rng.choice(CENTRE_WORDS)} {rng.choice(CENTRE_WORDS)} {self.dep_name[dep]}"
            centres.append({
                "id": ident, "siret": _siret(rng, used), "name": name[:200],
                "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
                "postal_code": _postal_code(rng, dep), "commune": _commune(rng, self.dep_name[dep]),
                "centre_type": rng.choice([None, "organisme privé", "Afpa", "Greta", "CFA"]),
                "network": rng.choice([None, None, "Afpa", "Greta", "CCI"]),
                "is_reprise": False, "created_at": self.at(-rng.randrange(400, 2500)),
                "created_by_id": None,
            })
        _bulk(conn, Centre.__table__, centres, cfg.batch_size)
        self.centre_ids = [c["id"] for c in centres[1:]]
        self.centre_sirets = {c["id"]: c["siret"] for c in centres}

        # Sites: one per centre first (in the centre's département), the rest on
        # multi-site centres (mostly in the centre's region) and ~1 % on the reprise centre.
        sites: list[dict[str, Any]] = []
        self.site_dep: dict[int, str] = {}
        self.site_centre: dict[int, int] = {}
        for ident in range(1, cfg.sites + 1):
            if ident <= len(self.centre_ids):
                centre = self.centre_ids[ident - 1]
                dep = centre_dep[centre]
            elif rng.random() < 0.03:
                centre = 1
                dep = rng.choices(self.dep_codes, cum_weights=self.dep_weights)[0]
            else:
                centre = rng.choice(self.centre_ids)
                home = self.dep_region[centre_dep[centre]]
                dep = (rng.choice(self.region_deps[home]) if rng.random() < 0.8
                       else rng.choices(self.dep_codes, cum_weights=self.dep_weights)[0])
            self.site_dep[ident] = dep
            self.site_centre[ident] = centre
            sites.append({
                "id": ident, "code": f"S-{ident:06d}", "centre_id": centre,
                "name": f"Site {self.dep_name[dep]} n°{ident}"[:200],
                "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
                "postal_code": _postal_code(rng, dep), "commune": _commune(rng, self.dep_name[dep]),
                "departement_code": dep,
            })
        _bulk(conn, Site.__table__, sites, cfg.batch_size)

        titles, ccps, ccss = [], [], []
        self.title_ccps: dict[int, list[int]] = {}
        self.title_ccss: dict[int, list[int]] = {}
        for t_id, (code, label, abbr, level, sector, domains, ccp_labels, ccs_labels) in enumerate(
            TITLES, start=1
        ):
            titles.append({
                "id": t_id, "code": code, "label": label, "abbreviation": abbr,
                "version_date": date(2018 + t_id % 5, 1 + t_id % 12, 1), "level": level,
                "domains": domains, "rncp": f"RNCP{35000 + t_id}", "sector": sector,
                "dte_edition_from": date(2019 + t_id % 4, 1, 1),
                "valid_until": date(2028 + t_id % 3, 12, 31),
                "extension_until": date(2029 + t_id % 3, 12, 31),
            })
            number = code.split("-")[1]
            for rank, ccp_label in enumerate(ccp_labels, start=1):
                ccps.append({"id": len(ccps) + 1, "title_id": t_id,
                             "code": f"CCP-{number}-{rank}", "label": ccp_label, "rank": rank})
                self.title_ccps.setdefault(t_id, []).append(len(ccps))
            for k, ccs_label in enumerate(ccs_labels, start=1):
                ccss.append({"id": len(ccss) + 1, "title_id": t_id,
                             "code": f"CCS-{number}-{k}", "label": ccs_label})
                self.title_ccss.setdefault(t_id, []).append(len(ccss))
        _bulk(conn, Title.__table__, titles, cfg.batch_size)
        _bulk(conn, Ccp.__table__, ccps, cfg.batch_size)
        _bulk(conn, Ccs.__table__, ccss, cfg.batch_size)
        self.title_ids = [t["id"] for t in titles]

        agrements: list[dict[str, Any]] = []
        self.site_agrements: dict[int, list[tuple[int, int]]] = {}
        title_weights = _zipf_weights(len(self.title_ids), 0.7)
        for site_id in range(1, cfg.sites + 1):
            n = rng.choices([1, 2, 3], [50, 35, 15])[0]
            chosen: set[int] = set()
            while len(chosen) < n:
                chosen.add(rng.choices(self.title_ids, title_weights)[0])
            for title_id in sorted(chosen):
                granted = date(2020, 1, 1) + timedelta(days=rng.randrange(0, 1100))
                ident = len(agrements) + 1
                agrements.append({
                    "id": ident, "site_id": site_id, "title_id": title_id, "granted_on": granted,
                    "ends_on": granted + timedelta(days=5 * 365),
                    "rs_titular": f"{rng.choice(FIRST_NAMES_F + FIRST_NAMES_M)} "
                                  f"{rng.choice(self.last_names[:60])}",
                    "rs_substitute": None, "notes": None,
                })
                self.site_agrements.setdefault(site_id, []).append((ident, title_id))
        _bulk(conn, Agrement.__table__, agrements, cfg.batch_size)
        self.counts.update(centres=len(centres), sites=len(sites), titles=len(titles),
                           ccps=len(ccps), ccss=len(ccss), agrements=len(agrements))

    def _users(self, conn: Connection) -> None:
        users: list[dict[str, Any]] = []
        profiles: list[dict[str, Any]] = []
        created = self.at(-900)

        def add(login: str, display: str, role: Role, **scope: Any) -> int:
            ident = len(users) + 1
            users.append({"id": ident, "login": login, "display_name": display[:120],
                          "email": f"{login}@bench.example", "active": True,
                          "created_at": created})
            profiles.append({"id": len(profiles) + 1, "user_id": ident, "role": role,
                             "centre_id": scope.get("centre_id"),
                             "departement_code": scope.get("departement_code"),
                             "region_code": scope.get("region_code")})
            return ident

        add("admin", "Administration nationale", Role.ADMIN)
        add("afpa", "Opérateur Afpa", Role.AFPA)
        add("support", "Agent de support", Role.SUPPORT)
        for region in geography.regions():
            add(f"dreets.{region.code}", f"Agent {region.service_name}", Role.DREETS,
                region_code=region.code)
        self.ud_user: dict[str, int] = {}
        for dep in self.deps:
            self.ud_user[dep.code] = add(f"ud.{dep.code}", f"Agent {dep.departmental_service_name}",
                                         Role.UD, departement_code=dep.code)
        self.centre_user: dict[int, int] = {}
        for centre_id in self.centre_ids:
            siret = self.centre_sirets[centre_id]
            self.centre_user[centre_id] = add(f"centre.{siret}", f"Centre {siret}", Role.CENTRE,
                                              centre_id=centre_id)
        _bulk(conn, User.__table__, users, self.cfg.batch_size)
        _bulk(conn, Profile.__table__, profiles, self.cfg.batch_size)
        self.counts.update(users=len(users), profiles=len(profiles))

        # The benchmark's actors: the most populated département with sites, its region.
        with_sites = set(self.site_dep.values())
        best = max((d for d in self.dep_codes if d in with_sites),
                   key=lambda d: DEPARTEMENT_POPULATION.get(d, 0))
        self.probes.ud_departement = best
        self.probes.ud_login = f"ud.{best}"
        self.probes.dreets_region = self.dep_region[best]
        self.probes.dreets_login = f"dreets.{self.dep_region[best]}"
        centre = next(c for s, c in sorted(self.site_centre.items())
                      if self.site_dep[s] == best and c != 1)
        self.probes.centre_login = f"centre.{self.centre_sirets[centre]}"

    def _person(self) -> tuple[str, str, str]:
        """(civility, last name, first name), French-looking."""
        rng = self.rng
        last = rng.choices(self.last_names, cum_weights=self.last_weights)[0]
        if rng.random() < 0.03:
            other = rng.choices(self.last_names, cum_weights=self.last_weights)[0]
            if other != last:
                last = f"{last}-{other}"
        female = rng.random() < 0.5
        if rng.random() < 0.07:
            first = rng.choice(COMPOUND_FIRST_F if female else COMPOUND_FIRST_M)
        else:
            names = FIRST_NAMES_F if female else FIRST_NAMES_M
            weights = self.first_weights_f if female else self.first_weights_m
            first = rng.choices(names, cum_weights=weights)[0]
            if rng.random() < 0.04:  # a second first name
                first = f"{first} {rng.choice(names)}"
        return ("Mme" if female else "M."), last, first

    def _candidate_row(self, ident: int, civility: str, last: str, first: str, birth: date,
                       dep: str) -> dict[str, Any]:
        rng = self.rng
        region = self.dep_region[dep]
        created = self.at(-rng.randrange(1, 1500))
        roll = rng.random()
        if roll < 0.90:
            country, commune = "France", _commune(rng, self.dep_name[rng.choices(
                self.dep_codes, cum_weights=self.dep_weights)[0]])
            birth_cp = _postal_code(rng, dep)
        elif roll < 0.93 and len(dep) == 3:
            country, commune, birth_cp = self.dep_name[dep], "Saint-Denis", None  # R-CAN-3
        else:
            country, commune = rng.choice(BIRTH_COUNTRIES)
            birth_cp = None
        folded = _strip_accents_upper(f"{first}.{last}").replace(" ", "").replace("'", "")
        return {
            "id": ident, "ceres_id": _ceres_id(region, created.year, ident),
            "civility": civility, "last_name": last, "first_name": first,
            "name_key": name_key(last, first), "birth_date": birth, "birth_country": country,
            "birth_commune": commune, "birth_postal_code": birth_cp,
            "address": f"{rng.randrange(1, 200)} {rng.choice(STREETS)}",
            "postal_code": _postal_code(rng, dep), "city": _commune(rng, self.dep_name[dep]),
            "country": "France", "email": f"{folded.lower()}{ident % 1000}@example.fr",
            "phone": f"06 {rng.randrange(10, 100)} {rng.randrange(10, 100)} "
                     f"{rng.randrange(10, 100)} {rng.randrange(10, 100)}",
            "state": "valide" if rng.random() < 0.85 else "brouillon",
            "region_code": region, "created_at": created, "created_by_id": None,
        }

    def _variant(self, base: dict[str, Any]) -> tuple[str, str]:
        """A second spelling of one person, as a second record would have it (R-CAN-5)."""
        rng = self.rng
        last, first = base["last_name"], base["first_name"]
        kind = rng.randrange(6)
        if kind == 0:
            return last, first  # created twice, same spelling
        if kind == 1:
            return _strip_accents_upper(last), first  # "LEFEVRE"
        if kind == 2:
            return last, _strip_accents_upper(first).title().replace("-", " ")
        if kind == 3:
            extra = rng.choice(FIRST_NAMES_F if base["civility"] == "Mme" else FIRST_NAMES_M)
            return last, f"{first} {extra}"  # an incomplete record
        if kind == 4:
            return first, last  # last and first names swapped
        return _typo(rng, last), first

    def _candidates(self, conn: Connection) -> None:
        rng, cfg = self.rng, self.cfg
        self.last_weights = list(accumulate(_zipf_weights(len(self.last_names))))
        self.first_weights_f = list(accumulate(_zipf_weights(len(FIRST_NAMES_F), 0.6)))
        self.first_weights_m = list(accumulate(_zipf_weights(len(FIRST_NAMES_M), 0.6)))
        total = cfg.candidates
        n_dup = max(1, round(total * cfg.duplicate_rate))
        n_base = total - n_dup
        rows: list[dict[str, Any]] = []
        first_day = date(1960, 1, 1).toordinal()
        span = date(2008, 12, 31).toordinal() - first_day
        for ident in range(1, n_base + 1):
            civility, last, first = self._person()
            dep = rng.choices(self.dep_codes, cum_weights=self.dep_weights)[0]
            birth = date.fromordinal(first_day + rng.randrange(span))
            rows.append(self._candidate_row(ident, civility, last, first, birth, dep))

        # The probe: a stored "Lefèvre Antoine" of the benchmark UD's département, and a
        # second record of him ("LEFEVRE Antoine") in another region.
        p = self.probes
        target_id = max(1, n_base // 3)
        rows[target_id - 1] = self._candidate_row(
            target_id, "M.", p.search_last_name, p.search_first_name, p.search_birth_date,
            p.ud_departement)
        p.search_ceres_id = rows[target_id - 1]["ceres_id"]
        self.probe_id = target_id
        p.search_region = rows[target_id - 1]["region_code"]

        other_deps = [d for d in self.dep_codes if self.dep_region[d] != p.search_region]
        planted: list[tuple[str, str]] = []
        for k in range(n_dup):
            ident = n_base + k + 1
            if k == 0:
                base = rows[target_id - 1]
                last, first = _strip_accents_upper(base["last_name"]), base["first_name"]
                dep = rng.choice(other_deps)
            else:
                base = rows[rng.randrange(n_base)]
                last, first = self._variant(base)
                dep = (rng.choice(self.dep_codes) if rng.random() < 0.3
                       else rng.choice(self.region_deps[base["region_code"]]))
            row = self._candidate_row(ident, base["civility"], last, first, base["birth_date"],
                                      dep)
            row["state"] = "brouillon"
            rows.append(row)
            planted.append((base["ceres_id"], row["ceres_id"]))
        p.duplicate_ceres_id = planted[0][1]
        p.planted_duplicates = planted
        self.candidate_region = [""] + [r["region_code"] for r in rows]
        per_region: dict[str, int] = {}
        for row in rows:
            per_region[row["region_code"]] = per_region.get(row["region_code"], 0) + 1
        p.largest_region = max(sorted(per_region), key=per_region.__getitem__)
        self.counts["candidates_largest_region"] = per_region[p.largest_region]
        self.counts["candidates_dreets_region"] = per_region.get(p.dreets_region, 0)
        _bulk(conn, CandidateModel.__table__, rows, cfg.batch_size)
        self.counts["candidates"] = len(rows)
        self.counts["planted_duplicates"] = len(planted)

    @staticmethod
    def _split_names(line: str) -> Iterable[str]:
        """Split a line of names, keeping "Le Gall", "Da Silva", "De La Fontaine" whole."""
        words = line.split()
        out: list[str] = []
        particles = {"Le", "La", "De", "Da", "Dos", "Ben"}
        pending = ""
        for word in words:
            if word in particles:
                pending = f"{pending} {word}".strip()
                continue
            out.append(f"{pending} {word}".strip() if pending else word)
            pending = ""
        if pending:
            out.append(pending)
        return out

    def _sessions(self, conn: Connection) -> None:
        rng, cfg = self.rng, self.cfg
        site_ids = list(self.site_agrements)
        # Bigger départements hold more sessions; a site's activity varies.
        site_weights = list(accumulate(0.5 + rng.random() for _ in site_ids))
        sessions: list[dict[str, Any]] = []
        orders: list[dict[str, Any]] = []
        self.session_state: list[str] = [""]
        self.session_site: list[int] = [0]
        self.session_title: list[int] = [0]
        self.session_start: list[date] = [date.min]
        states: dict[str, int] = {}
        for ident in range(1, cfg.sessions + 1):
            site_id = rng.choices(site_ids, cum_weights=site_weights)[0]
            agrement_id, title_id = rng.choice(self.site_agrements[site_id])
            offset = rng.randrange(-1100, 200)
            state = next(_weighted_choice(rng, plan) for bound, plan in _STATE_PLAN
                         if offset < bound)
            kind = rng.choices(["TP", "CCP", "CCS"], [55, 38, 7])[0]
            if kind == "CCS" and not self.title_ccss.get(title_id):
                kind = "TP"
            ccp_id = rng.choice(self.title_ccps[title_id]) if kind == "CCP" else None
            ccs_id = self.title_ccss[title_id][0] if kind == "CCS" else None
            start = self.today + timedelta(days=offset)
            letter = {"TP": "TITRE", "CCP": "CCP", "CCS": "CCS"}[kind]
            row = {
                "id": ident, "ref": f"{letter}_B_{start.year}_{ident:06d}", "site_id": site_id,
                "agrement_id": agrement_id, "kind": kind, "title_id": title_id,
                "ccp_id": ccp_id, "ccs_id": ccs_id,
                "with_final_interview": kind == "TP" or (kind == "CCP" and rng.random() < 0.2),
                "start_date": start, "start_time": dtime(8, 30) if rng.random() < 0.7
                else dtime(9, 0), "end_date": start + timedelta(days=rng.choice([0, 1, 2])),
                "convocation_time": None, "state": state,
                "convocations_issued_at": None, "closed_by_centre_at": None,
                "validated_at": None, "validated_by_id": None, "cancelled_at": None,
                "created_at": self.at(offset - 150), "created_by_id":
                    self.centre_user.get(self.site_centre[site_id]),
            }
            if state not in ("en_preparation", "annulee"):
                row["convocations_issued_at"] = self.at(offset - 35)
            if state in ("en_attente_validation", "validee", "debloquee"):
                row["closed_by_centre_at"] = self.at(offset + 3)
            if state == "validee":
                row["validated_at"] = self.at(offset + rng.randrange(5, 30))
                row["validated_by_id"] = self.ud_user[self.site_dep[site_id]]
            if state == "annulee":
                row["cancelled_at"] = self.at(offset - 20)
            sessions.append(row)
            states[state] = states.get(state, 0) + 1
            if state not in ("en_preparation", "annulee") or (
                    state == "en_preparation" and offset < 120):
                orderer = self.centre_user.get(self.site_centre[site_id], self.ud_user["75"])
                orders.append({
                    "id": len(orders) + 1, "session_id": ident,
                    "ordered_at": self.at(offset - 110), "ordered_by_id": orderer,
                    "candidates_count": 4, "rs_kind": "titulaire", "rs_name": "RS titulaire",
                    "contact_name": "Secrétariat examens", "contact_phone": "01 02 03 04 05",
                    "contact_email": "examens@centre.example",
                    "delivery_address": f"Site {site_id}", "comment": None,
                    "cancelled_at": None,
                })
            self.session_state.append(state)
            self.session_site.append(site_id)
            self.session_title.append(title_id)
            self.session_start.append(start)
        _bulk(conn, ExamSession.__table__, sessions, cfg.batch_size)
        _bulk(conn, DteOrder.__table__, orders, cfg.batch_size)
        self.counts["sessions"] = len(sessions)
        self.counts["dte_orders"] = len(orders)
        for state, n in sorted(states.items()):
            self.counts[f"sessions_{state}"] = n

    def _registrations(self, conn: Connection) -> None:
        rng, cfg = self.rng, self.cfg
        by_region: dict[str, list[int]] = {}
        for ident, region in enumerate(self.candidate_region):
            if ident:
                by_region.setdefault(region, []).append(ident)
        all_ids = range(1, len(self.candidate_region))
        regs: list[dict[str, Any]] = []
        reg_ccps: list[dict[str, Any]] = []
        prints: list[dict[str, Any]] = []
        lo, hi = cfg.registrations_per_session
        print_modes = {"all": 0, "some": 0, "none": 0}
        probe_id = self.probe_id
        probe_done = False
        for session_id in range(1, len(self.session_state)):
            state = self.session_state[session_id]
            site_id = self.session_site[session_id]
            region = self.dep_region[self.site_dep[site_id]]
            pool = by_region.get(region) or list(all_ids)
            n = rng.randint(lo, hi)
            chosen: set[int] = set()
            if not probe_done and state == "validee" and region == self.probes.search_region:
                chosen.add(probe_id)  # the probe has a validated session in his region
                probe_done = True
            while len(chosen) < n:
                chosen.add(rng.choice(pool) if rng.random() < 0.85
                           else rng.randrange(1, len(self.candidate_region)))
            start = self.session_start[session_id]
            offset = (start - self.today).days
            with_results: list[int] = []
            for cand in sorted(chosen):
                ident = len(regs) + 1
                row = {
                    "id": ident, "session_id": session_id, "candidate_id": cand,
                    "is_vae": rng.random() < 0.05,
                    "registered_at": self.at(offset - rng.randrange(40, 90)),
                    "registered_by_id": None, "attendance": None, "result": None,
                    "result_comment": None, "data_verified_at": None,
                    "data_verified_by_id": None,
                }
                if state in _WITH_RESULTS:
                    roll = rng.random()
                    if roll < 0.05:
                        row["attendance"] = "absence_justifiee"
                    elif roll < 0.08:
                        row["attendance"] = "absence_injustifiee"
                    else:
                        row["attendance"] = "present"
                        row["result"] = rng.choices(
                            ["admis", "partiellement_admis", "refuse"], [70, 18, 12])[0]
                        with_results.append(ident)
                        if row["result"] == "partiellement_admis":
                            ccps = self.title_ccps[self.session_title[session_id]]
                            reg_ccps.append({"registration_id": ident, "ccp_id": ccps[0]})
                regs.append(row)
            if state != "validee" or not with_results:
                continue
            roll = rng.random()
            if roll < cfg.print_all:
                mode, sent = "all", with_results
            elif roll < cfg.print_all + cfg.print_some and len(with_results) > 1:
                mode = "some"
                sent = rng.sample(with_results, rng.randrange(1, len(with_results)))
            else:
                mode, sent = "none", []
            print_modes[mode] += 1
            ud = self.ud_user[self.site_dep[site_id]]
            for reg_id in sent:
                when = min(offset + rng.randrange(15, 60), -1)
                regs[reg_id - 1]["data_verified_at"] = self.at(when - 1)
                regs[reg_id - 1]["data_verified_by_id"] = ud
                prints.append({"id": len(prints) + 1, "registration_id": reg_id,
                               "kind": "initiale", "document": None,
                               "requested_at": self.at(when), "requested_by_id": ud})
                if rng.random() < 0.03 and when < -8:
                    prints.append({"id": len(prints) + 1, "registration_id": reg_id,
                                   "kind": "duplicata", "document": "diplome",
                                   "requested_at": self.at(when + 7), "requested_by_id": ud})
        _bulk(conn, Registration.__table__, regs, cfg.batch_size)
        _bulk(conn, registration_ccps, reg_ccps, cfg.batch_size)
        _bulk(conn, PrintRequest.__table__, prints, cfg.batch_size)
        self.counts.update(registrations=len(regs), registration_ccps=len(reg_ccps),
                           print_requests=len(prints),
                           validated_sessions_print_all=print_modes["all"],
                           validated_sessions_print_some=print_modes["some"],
                           validated_sessions_print_none=print_modes["none"])

    def _finish(self, conn: Connection) -> None:
        dialect = conn.dialect.name
        tables = [Centre, Site, Title, Ccp, Ccs, Agrement, User, Profile, CandidateModel,
                  ExamSession, DteOrder, Registration, PrintRequest]
        if dialect == "postgresql":
            for model in tables:
                name = model.__tablename__
                conn.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"))
            if self.cfg.analyze_postgresql:
                conn.execute(text("ANALYZE"))
        elif dialect == "sqlite" and self.cfg.analyze_sqlite:
            conn.execute(text("ANALYZE"))
        # Sanity: what was written is what was counted.
        self.counts["regions"] = conn.scalar(select(func.count()).select_from(Region))
        self.counts["departements"] = conn.scalar(select(func.count()).select_from(Departement))


def generate(core: Core, config: GenConfig | None = None) -> GenReport:
    """Fill the (empty, migrated) database of ``core``; return counts, time and probes."""
    return _Generator(core, config or GenConfig()).run()
