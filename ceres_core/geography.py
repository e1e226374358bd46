"""French départements and regions, as plain data (no database).

The codes are INSEE's (code officiel géographique): départements ``01``..``95``
with ``2A``/``2B`` for Corsica (there is no ``20``), and the five overseas
départements (DROM) ``971``..``974`` and ``976``. The COM (975, 977, 978, 986,
987, 988) are not départements and are not listed.

Each region names its regional State service, the one that transfers sites and
registers centres (R-SITE-3, R-SITE-6): DREETS in metropolitan France, DRIEETS
for Île-de-France, DEETS overseas (where one service is both regional and
departmental). The former names (DIRECCTE, DIECCTE overseas) are kept because the
users and the source documents still use them.

The local-holiday zone of a département (R-DTE-6) is ``"alsace-moselle"`` for
57, 67 and 68, the département's own code for a DROM, ``None`` elsewhere; the
working-day calendar maps it to the holidays library.
"""

from __future__ import annotations

from dataclasses import dataclass

from ceres_core.errors import InvalidInput

#: Local-holiday zone of Moselle, Bas-Rhin and Haut-Rhin (R-DTE-6).
ALSACE_MOSELLE = "alsace-moselle"

_SERVICE_FULL_NAMES = {
    "DREETS": "Direction régionale de l'économie, de l'emploi, du travail et des solidarités",
    "DRIEETS": (
        "Direction régionale et interdépartementale de l'économie, de l'emploi, "
        "du travail et des solidarités"
    ),
    "DEETS": "Direction de l'économie, de l'emploi, du travail et des solidarités",
    "DDETS": "Direction départementale de l'emploi, du travail et des solidarités",
    "UD": "Unité départementale",
}


@dataclass(frozen=True)
class Region:
    """A region: INSEE code, name, and its regional State service.

    ``service`` is the current acronym (DREETS, DRIEETS, DEETS);
    ``former_service`` the one used before April 2021 (DIRECCTE, DIECCTE).
    """

    code: str
    name: str
    service: str
    former_service: str

    @property
    def service_name(self) -> str:
        """The service as users name it, e.g. ``"DREETS Bretagne"``."""
        return f"{self.service} {self.name}"

    @property
    def service_full_name(self) -> str:
        """The service's full French name, e.g. ``"Direction régionale de l'économie…"``."""
        return _SERVICE_FULL_NAMES[self.service]

    @property
    def is_overseas(self) -> bool:
        return self.service == "DEETS"

    @property
    def departements(self) -> tuple[Departement, ...]:
        return departements_of_region(self.code)


@dataclass(frozen=True)
class Departement:
    """A département: INSEE code (``"01"``, ``"2A"``, ``"974"``), name and region code."""

    code: str
    name: str
    region_code: str

    @property
    def region(self) -> Region:
        return _REGIONS[self.region_code]

    @property
    def is_drom(self) -> bool:
        return self.code in _DROM_CODES

    @property
    def holiday_zone(self) -> str | None:
        """``"alsace-moselle"``, the DROM code, or ``None`` (national holidays only)."""
        if self.code in _ALSACE_MOSELLE_CODES:
            return ALSACE_MOSELLE
        if self.is_drom:
            return self.code
        return None

    @property
    def departmental_service(self) -> str:
        """The departmental State service (R-ACT-1 "UD/DDETS/DEETS").

        DEETS overseas; a unit (UD) of the DRIEETS for Paris and the inner ring
        (75, 92, 93, 94); a DDETS elsewhere (some are DDETS-PP, still a DDETS).
        """
        if self.is_drom:
            return "DEETS"
        if self.code in _DRIEETS_UNITS:
            return "UD"
        return "DDETS"

    @property
    def departmental_service_name(self) -> str:
        """E.g. ``"DDETS (29 – Finistère)"``, ``"UD de la DRIEETS (75 – Paris)"``."""
        if self.departmental_service == "UD":
            return f"UD de la DRIEETS ({self.label})"
        return f"{self.departmental_service} ({self.label})"

    @property
    def label(self) -> str:
        """``"974 – La Réunion"``."""
        return f"{self.code} – {self.name}"


_REGIONS: dict[str, Region] = {
    r.code: r
    for r in (
        Region("01", "Guadeloupe", "DEETS", "DIECCTE"),
        Region("02", "Martinique", "DEETS", "DIECCTE"),
        Region("03", "Guyane", "DEETS", "DIECCTE"),
        Region("04", "La Réunion", "DEETS", "DIECCTE"),
        Region("06", "Mayotte", "DEETS", "DIECCTE"),
        Region("11", "Île-de-France", "DRIEETS", "DIRECCTE"),
        Region("24", "Centre-Val de Loire", "DREETS", "DIRECCTE"),
        Region("27", "Bourgogne-Franche-Comté", "DREETS", "DIRECCTE"),
        Region("28", "Normandie", "DREETS", "DIRECCTE"),
        Region("32", "Hauts-de-France", "DREETS", "DIRECCTE"),
        Region("44", "Grand Est", "DREETS", "DIRECCTE"),
        Region("52", "Pays de la Loire", "DREETS", "DIRECCTE"),
        Region("53", "Bretagne", "DREETS", "DIRECCTE"),
        Region("75", "Nouvelle-Aquitaine", "DREETS", "DIRECCTE"),
        Region("76", "Occitanie", "DREETS", "DIRECCTE"),
        Region("84", "Auvergne-Rhône-Alpes", "DREETS", "DIRECCTE"),
        Region("93", "Provence-Alpes-Côte d'Azur", "DREETS", "DIRECCTE"),
        Region("94", "Corse", "DREETS", "DIRECCTE"),
    )
}

# (code, name, region code), INSEE's code officiel géographique.
_DEPARTEMENT_ROWS: tuple[tuple[str, str, str], ...] = (
    ("01", "Ain", "84"),
    ("02", "Aisne", "32"),
    ("03", "Allier", "84"),
    ("04", "Alpes-de-Haute-Provence", "93"),
    ("05", "Hautes-Alpes", "93"),
    ("06", "Alpes-Maritimes", "93"),
    ("07", "Ardèche", "84"),
    ("08", "Ardennes", "44"),
    ("09", "Ariège", "76"),
    ("10", "Aube", "44"),
    ("11", "Aude", "76"),
    ("12", "Aveyron", "76"),
    ("13", "Bouches-du-Rhône", "93"),
    ("14", "Calvados", "28"),
    ("15", "Cantal", "84"),
    ("16", "Charente", "75"),
    ("17", "Charente-Maritime", "75"),
    ("18", "Cher", "24"),
    ("19", "Corrèze", "75"),
    ("2A", "Corse-du-Sud", "94"),
    ("2B", "Haute-Corse", "94"),
    ("21", "Côte-d'Or", "27"),
    ("22", "Côtes-d'Armor", "53"),
    ("23", "Creuse", "75"),
    ("24", "Dordogne", "75"),
    ("25", "Doubs", "27"),
    ("26", "Drôme", "84"),
    ("27", "Eure", "28"),
    ("28", "Eure-et-Loir", "24"),
    ("29", "Finistère", "53"),
    ("30", "Gard", "76"),
    ("31", "Haute-Garonne", "76"),
    ("32", "Gers", "76"),
    ("33", "Gironde", "75"),
    ("34", "Hérault", "76"),
    ("35", "Ille-et-Vilaine", "53"),
    ("36", "Indre", "24"),
    ("37", "Indre-et-Loire", "24"),
    ("38", "Isère", "84"),
    ("39", "Jura", "27"),
    ("40", "Landes", "75"),
    ("41", "Loir-et-Cher", "24"),
    ("42", "Loire", "84"),
    ("43", "Haute-Loire", "84"),
    ("44", "Loire-Atlantique", "52"),
    ("45", "Loiret", "24"),
    ("46", "Lot", "76"),
    ("47", "Lot-et-Garonne", "75"),
    ("48", "Lozère", "76"),
    ("49", "Maine-et-Loire", "52"),
    ("50", "Manche", "28"),
    ("51", "Marne", "44"),
    ("52", "Haute-Marne", "44"),
    ("53", "Mayenne", "52"),
    ("54", "Meurthe-et-Moselle", "44"),
    ("55", "Meuse", "44"),
    ("56", "Morbihan", "53"),
    ("57", "Moselle", "44"),
    ("58", "Nièvre", "27"),
    ("59", "Nord", "32"),
    ("60", "Oise", "32"),
    ("61", "Orne", "28"),
    ("62", "Pas-de-Calais", "32"),
    ("63", "Puy-de-Dôme", "84"),
    ("64", "Pyrénées-Atlantiques", "75"),
    ("65", "Hautes-Pyrénées", "76"),
    ("66", "Pyrénées-Orientales", "76"),
    ("67", "Bas-Rhin", "44"),
    ("68", "Haut-Rhin", "44"),
    ("69", "Rhône", "84"),
    ("70", "Haute-Saône", "27"),
    ("71", "Saône-et-Loire", "27"),
    ("72", "Sarthe", "52"),
    ("73", "Savoie", "84"),
    ("74", "Haute-Savoie", "84"),
    ("75", "Paris", "11"),
    ("76", "Seine-Maritime", "28"),
    ("77", "Seine-et-Marne", "11"),
    ("78", "Yvelines", "11"),
    ("79", "Deux-Sèvres", "75"),
    ("80", "Somme", "32"),
    ("81", "Tarn", "76"),
    ("82", "Tarn-et-Garonne", "76"),
    ("83", "Var", "93"),
    ("84", "Vaucluse", "93"),
    ("85", "Vendée", "52"),
    ("86", "Vienne", "75"),
    ("87", "Haute-Vienne", "75"),
    ("88", "Vosges", "44"),
    ("89", "Yonne", "27"),
    ("90", "Territoire de Belfort", "27"),
    ("91", "Essonne", "11"),
    ("92", "Hauts-de-Seine", "11"),
    ("93", "Seine-Saint-Denis", "11"),
    ("94", "Val-de-Marne", "11"),
    ("95", "Val-d'Oise", "11"),
    ("971", "Guadeloupe", "01"),
    ("972", "Martinique", "02"),
    ("973", "Guyane", "03"),
    ("974", "La Réunion", "04"),
    ("976", "Mayotte", "06"),
)

_DEPARTEMENTS: dict[str, Departement] = {
    code: Departement(code, name, region_code) for code, name, region_code in _DEPARTEMENT_ROWS
}
_DROM_CODES = frozenset({"971", "972", "973", "974", "976"})
_ALSACE_MOSELLE_CODES = frozenset({"57", "67", "68"})
_DRIEETS_UNITS = frozenset({"75", "92", "93", "94"})

_EXAMPLES = "par exemple 01, 2A, 75 ou 974"


def normalize_departement_code(code: str | int) -> str:
    """Return the canonical code (``"1"`` → ``"01"``, ``" 2a "`` → ``"2A"``), or raise.

    Raises :class:`InvalidInput` with a French message for an unknown code.
    """
    text = str(code).strip().upper()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    if text in _DEPARTEMENTS:
        return text
    if text == "20":
        raise InvalidInput(
            "Le code 20 n'est plus utilisé : la Corse est divisée en 2A (Corse-du-Sud) "
            "et 2B (Haute-Corse)."
        )
    shown = str(code).strip()
    if not shown:
        raise InvalidInput(f"Aucun département indiqué : donnez son code ({_EXAMPLES}).")
    raise InvalidInput(
        f"Le département « {shown} » est inconnu : indiquez un code de département ({_EXAMPLES})."
    )


def departement(code: str | int) -> Departement:
    """The département of that code; raises :class:`InvalidInput` if unknown."""
    return _DEPARTEMENTS[normalize_departement_code(code)]


def departements() -> tuple[Departement, ...]:
    """All 101 départements, in INSEE order (2A and 2B after 19)."""
    return tuple(_DEPARTEMENTS.values())


def region(code: str | int) -> Region:
    """The region of that INSEE code (``"53"``, ``"4"`` → ``"04"``); raises if unknown."""
    text = str(code).strip()
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    try:
        return _REGIONS[text]
    except KeyError:
        raise InvalidInput(
            f"La région « {str(code).strip()} » est inconnue : indiquez son code INSEE "
            "(par exemple 11 pour l'Île-de-France ou 04 pour La Réunion)."
        ) from None


def regions() -> tuple[Region, ...]:
    """All 18 regions, by INSEE code."""
    return tuple(_REGIONS.values())


def region_of(departement_code: str | int) -> Region:
    """The region a département belongs to."""
    return departement(departement_code).region


def departements_of_region(region_code: str | int) -> tuple[Departement, ...]:
    reg = region(region_code)
    return tuple(d for d in _DEPARTEMENTS.values() if d.region_code == reg.code)


def is_drom(code: str | int) -> bool:
    """True for an overseas département (971, 972, 973, 974, 976); raises if unknown."""
    return departement(code).is_drom


def is_drom_com(code: str | int) -> bool:
    """R-PRT-7: a place in a DROM or a COM (codes 97x and 98x: 971–976, 977, 978, 984,
    986–988), where the Afpa mails the documents to the DEETS. Never raises: a code the
    tables do not know is decided by its first two digits.
    """
    return str(code).strip()[:2] in ("97", "98")


def is_alsace_moselle(code: str | int) -> bool:
    """True for Moselle, Bas-Rhin and Haut-Rhin (57, 67, 68); raises if unknown."""
    return departement(code).code in _ALSACE_MOSELLE_CODES


def holiday_zone(code: str | int) -> str | None:
    """The local-holiday zone of a département (R-DTE-6): see :attr:`Departement.holiday_zone`."""
    return departement(code).holiday_zone
