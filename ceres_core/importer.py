"""Import a referential from JSON: validated whole, then written all or nothing.

The format is documented in ``docs/import-format.md``. Every error names the
path of the bad field (``centres[2].siret``) and says what is expected, in
French; nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceres_core import geography
from ceres_core.errors import CeresError, InvalidInput
from ceres_core.models import (
    Agrement,
    Ccp,
    Ccs,
    Centre,
    Profile,
    Role,
    Site,
    Title,
    User,
)
from ceres_core.seed import ensure_geography
from ceres_core.siret import normalize_siret

FORMAT_NAME = "ceres-referentiel"
FORMAT_VERSION = 1
SECTIONS = ("centres", "sites", "titles", "agrements", "users")
SECTORS = ("btp", "industrie", "tertiaire")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TITLE_CODE = re.compile(r"^TP-\d{5}$")


def login_key(login: str) -> str:
    """What makes two logins the same: compared without regard to case."""
    return login.casefold()


class ImportErrors(InvalidInput):
    """All the problems found in a file (at most :data:`MAX_REPORTED` listed)."""

    MAX_REPORTED = 20

    def __init__(self, problems: list[str]) -> None:
        shown = problems[: self.MAX_REPORTED]
        more = len(problems) - len(shown)
        lines = "\n".join(f"  - {p}" for p in shown)
        tail = f"\n  … et {more} autre(s) erreur(s)." if more > 0 else ""
        super().__init__(
            f"Le fichier n'a pas été importé (aucune donnée n'a été modifiée) : "
            f"{len(problems)} erreur(s).\n{lines}{tail}"
        )
        self.problems = problems


@dataclass
class _Checker:
    problems: list[str] = field(default_factory=list)

    def error(self, path: str, message: str) -> None:
        self.problems.append(f"{path} : {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.error(path, "un objet JSON { … } est attendu.")
            return None
        return value

    def text(self, row: dict, key: str, path: str, *, required: bool = True,
             max_len: int = 200) -> str | None:
        value = row.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(f"{path}.{key}", "champ obligatoire manquant ou vide.")
            return None
        if not isinstance(value, str):
            self.error(f"{path}.{key}", "une chaîne de caractères est attendue.")
            return None
        value = value.strip()
        if len(value) > max_len:
            self.error(f"{path}.{key}", f"{max_len} caractères au plus.")
            return None
        return value

    def day(self, row: dict, key: str, path: str, *, required: bool = True) -> date | None:
        value = row.get(key)
        if value is None:
            if required:
                self.error(f"{path}.{key}", "date obligatoire manquante (format AAAA-MM-JJ).")
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            self.error(f"{path}.{key}", f"« {value} » n'est pas une date au format AAAA-MM-JJ.")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.error(f"{path}.{key}", f"« {value} » n'est pas une date qui existe.")
            return None

    def integer(self, row: dict, key: str, path: str, lo: int, hi: int) -> int | None:
        value = row.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(f"{path}.{key}", f"un nombre entier entre {lo} et {hi} est attendu.")
            return None
        if not lo <= value <= hi:
            self.error(f"{path}.{key}", f"un nombre entier entre {lo} et {hi} est attendu.")
            return None
        return value

    def listing(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.error(key, "une liste [ … ] est attendue.")
            return []
        return value

    def unique(self, seen: set, value: str | None, path: str, what: str,
               key: Callable[[str], Any] = lambda v: v) -> None:
        if value is None:
            return
        if key(value) in seen:
            self.error(path, f"{what} « {value} » apparaît deux fois dans le fichier.")
        seen.add(key(value))

    def siret(self, row: dict, key: str, path: str, *, allow_reprise: bool = False) -> str | None:
        """A SIRET (R-SITE-2), written as a string: a JSON number loses leading zeros."""
        value = row.get(key)
        if value is None:
            value = ""  # missing: normalize_siret says it is empty
        if not isinstance(value, str):
            self.error(f"{path}.{key}", f"le SIRET doit être écrit entre guillemets, comme "
                       f"« \"{value}\" » (un nombre perdrait les zéros de tête).")
            return None
        return self.run(lambda: normalize_siret(value, allow_reprise=allow_reprise), f"{path}.{key}")

    def run(self, check: Callable[[], Any], path: str) -> Any:
        try:
            return check()
        except CeresError as exc:
            self.error(path, exc.message)
            return None


def _validate(data: Any) -> dict[str, list[dict[str, Any]]]:
    c = _Checker()
    if not isinstance(data, dict):
        raise ImportErrors(["(racine) : un objet JSON { … } est attendu."])
    if data.get("format") != FORMAT_NAME:
        c.error("format", f"« {FORMAT_NAME} » est attendu.")
    version = data.get("version")
    if type(version) is not int or version != FORMAT_VERSION:  # true == 1 in Python
        c.error("version", f"la version {FORMAT_VERSION} est attendue.")
    unknown = sorted(set(data) - {"format", "version", *SECTIONS})
    for key in unknown:
        c.error(key, "section inconnue (sections admises : " + ", ".join(SECTIONS) + ").")

    out: dict[str, list[dict[str, Any]]] = {s: [] for s in SECTIONS}
    sirets: set[str] = set()
    for i, raw in enumerate(c.listing(data, "centres")):
        path = f"centres[{i}]"
        if (row := c.obj(raw, path)) is None:
            continue
        siret = c.siret(row, "siret", path)
        c.unique(sirets, siret, f"{path}.siret", "Le SIRET")
        out["centres"].append({
            "siret": siret,
            "name": c.text(row, "name", path),
            "address": c.text(row, "address", path, required=False, max_len=250),
            "postal_code": c.text(row, "postal_code", path, required=False, max_len=10),
            "commune": c.text(row, "commune", path, required=False, max_len=120),
            "centre_type": c.text(row, "centre_type", path, required=False, max_len=80),
            "network": c.text(row, "network", path, required=False, max_len=80),
        })

    site_codes: set[str] = set()
    for i, raw in enumerate(c.listing(data, "sites")):
        path = f"sites[{i}]"
        if (row := c.obj(raw, path)) is None:
            continue
        code = c.text(row, "code", path, max_len=20)
        c.unique(site_codes, code, f"{path}.code", "Le code de site")
        dep = c.run(lambda row=row: geography.departement(str(row.get("departement", ""))).code,
                    f"{path}.departement")
        centre_siret = c.siret(row, "centre_siret", path, allow_reprise=True)
        out["sites"].append({
            "code": code, "departement_code": dep, "centre_siret": centre_siret,
            "name": c.text(row, "name", path),
            "address": c.text(row, "address", path, required=False, max_len=250),
            "postal_code": c.text(row, "postal_code", path, required=False, max_len=10),
            "commune": c.text(row, "commune", path, required=False, max_len=120),
        })

    title_codes: set[str] = set()
    sub_codes: set[str] = set()
    for i, raw in enumerate(c.listing(data, "titles")):
        path = f"titles[{i}]"
        if (row := c.obj(raw, path)) is None:
            continue
        code = c.text(row, "code", path, max_len=20)
        if code and not _TITLE_CODE.match(code):
            c.error(f"{path}.code", f"« {code} » : un code de la forme TP-00463 est attendu.")
        c.unique(title_codes, code, f"{path}.code", "Le titre")
        sector = row.get("sector")
        if sector not in SECTORS:
            c.error(f"{path}.sector", "secteur attendu : " + ", ".join(SECTORS) + ".")
        domains = row.get("domains", [])
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            c.error(f"{path}.domains", "une liste de codes de domaine (chaînes) est attendue.")
            domains = []
        title = {
            "code": code, "label": c.text(row, "label", path),
            "abbreviation": c.text(row, "abbreviation", path, required=False, max_len=20),
            "version_date": c.day(row, "version_date", path),
            "level": c.integer(row, "level", path, 1, 8),
            "domains": domains, "rncp": c.text(row, "rncp", path, required=False, max_len=20),
            "sector": sector,
            "dte_edition_from": c.day(row, "dte_edition_from", path, required=False),
            "valid_until": c.day(row, "valid_until", path, required=False),
            "extension_until": c.day(row, "extension_until", path, required=False),
            "ccps": [], "ccss": [],
        }
        for kind in ("ccps", "ccss"):
            items = row.get(kind, [])
            if not isinstance(items, list):
                c.error(f"{path}.{kind}", "une liste [ … ] est attendue.")
                continue
            for j, sub in enumerate(items):
                spath = f"{path}.{kind}[{j}]"
                if (sub := c.obj(sub, spath)) is None:
                    continue
                scode = c.text(sub, "code", spath, max_len=20)
                c.unique(sub_codes, scode, f"{spath}.code", "Le code")
                item = {"code": scode, "label": c.text(sub, "label", spath, max_len=250)}
                if kind == "ccps":
                    item["rank"] = c.integer(sub, "rank", spath, 1, 99) if "rank" in sub else j + 1
                title[kind].append(item)
        out["titles"].append(title)

    agrement_keys: set[tuple[str, str, date]] = set()
    for i, raw in enumerate(c.listing(data, "agrements")):
        path = f"agrements[{i}]"
        if (row := c.obj(raw, path)) is None:
            continue
        granted, ends = c.day(row, "granted_on", path), c.day(row, "ends_on", path)
        if granted and ends and ends < granted:
            c.error(f"{path}.ends_on", "la date de fin précède la date d'octroi.")
        site_code = c.text(row, "site", path, max_len=20)
        title_code = c.text(row, "title", path, max_len=20)
        if site_code and title_code and granted:
            # One agrément per site, title and grant date (unique in the database).
            agrement_key = (site_code, title_code, granted)
            if agrement_key in agrement_keys:
                c.error(path, f"l'agrément du site « {site_code} » pour le titre "
                        f"« {title_code} » octroyé le {granted:%d/%m/%Y} apparaît deux fois "
                        "dans le fichier.")
            agrement_keys.add(agrement_key)
        out["agrements"].append({
            "site": site_code,
            "title": title_code,
            "granted_on": granted, "ends_on": ends,
            "rs_titular": c.text(row, "rs_titular", path, required=False, max_len=120),
            "rs_substitute": c.text(row, "rs_substitute", path, required=False, max_len=120),
        })

    logins: set[str] = set()
    roles = {r.value for r in Role}
    for i, raw in enumerate(c.listing(data, "users")):
        path = f"users[{i}]"
        if (row := c.obj(raw, path)) is None:
            continue
        login = c.text(row, "login", path, max_len=64)
        # Logins are compared without regard to case: « ADMIN » is « admin ».
        c.unique(logins, login, f"{path}.login", "L'identifiant", key=login_key)
        email = c.text(row, "email", path, required=False, max_len=254)
        if email and not _EMAIL.match(email):
            c.error(f"{path}.email", f"« {email} » n'est pas une adresse électronique valide.")
        profiles = []
        items = row.get("profiles")
        if not isinstance(items, list) or not items:
            c.error(f"{path}.profiles", "au moins un profil est attendu.")
            items = []
        for j, prof in enumerate(items):
            ppath = f"{path}.profiles[{j}]"
            if (prof := c.obj(prof, ppath)) is None:
                continue
            role = prof.get("role")
            if role not in roles:
                c.error(f"{ppath}.role", "rôle attendu : " + ", ".join(sorted(roles)) + ".")
                continue
            p: dict[str, Any] = {"role": Role(role)}
            if role == Role.CENTRE:
                p["centre_siret"] = c.siret(prof, "centre_siret", ppath)
            elif role == Role.UD:
                p["departement_code"] = c.run(
                    lambda prof=prof: geography.departement(str(prof.get("departement", ""))).code,
                    f"{ppath}.departement")
            elif role == Role.DREETS:
                p["region_code"] = c.run(
                    lambda prof=prof: geography.region(str(prof.get("region", ""))).code,
                    f"{ppath}.region")
            profiles.append(p)
        out["users"].append({
            "login": login, "display_name": c.text(row, "display_name", path, max_len=120),
            "email": email, "profiles": profiles,
        })

    if c.problems:
        raise ImportErrors(c.problems)
    return out


def _write(db: Session, data: dict[str, list[dict[str, Any]]], now) -> dict[str, int]:
    problems: list[str] = []
    centres: dict[str, Centre] = {}
    existing = {c.siret: c for c in db.scalars(select(Centre))}
    for i, row in enumerate(data["centres"]):
        if row["siret"] in existing:
            problems.append(f"centres[{i}].siret : le centre « {row['siret']} » existe déjà.")
            continue
        centre = Centre(created_at=now, **row)
        db.add(centre)
        centres[row["siret"]] = centre
    all_centres = {**existing, **centres}

    sites: dict[str, Site] = {s.code: s for s in db.scalars(select(Site))}
    new_sites = 0
    for i, row in enumerate(data["sites"]):
        if row["code"] in sites:
            problems.append(f"sites[{i}].code : le site « {row['code']} » existe déjà.")
            continue
        centre = all_centres.get(row["centre_siret"])
        if centre is None:
            problems.append(f"sites[{i}].centre_siret : aucun centre « {row['centre_siret']} ».")
            continue
        values = {k: v for k, v in row.items() if k != "centre_siret"}
        site = Site(centre=centre, **values)
        db.add(site)
        sites[row["code"]] = site
        new_sites += 1

    titles: dict[str, Title] = {t.code: t for t in db.scalars(select(Title))}
    known_sub = set(db.scalars(select(Ccp.code))) | set(db.scalars(select(Ccs.code)))
    new_titles = 0
    for i, row in enumerate(data["titles"]):
        if row["code"] in titles:
            problems.append(f"titles[{i}].code : le titre « {row['code']} » existe déjà.")
            continue
        values = {k: v for k, v in row.items() if k not in ("ccps", "ccss")}
        title = Title(**values)
        for kind, model in (("ccps", Ccp), ("ccss", Ccs)):
            for j, sub in enumerate(row[kind]):
                if sub["code"] in known_sub:
                    problems.append(f"titles[{i}].{kind}[{j}].code : « {sub['code']} » existe déjà.")
                    continue
                getattr(title, kind).append(model(**sub))
        db.add(title)
        titles[row["code"]] = title
        new_titles += 1

    for i, row in enumerate(data["agrements"]):
        site, title = sites.get(row["site"]), titles.get(row["title"])
        if site is None:
            problems.append(f"agrements[{i}].site : aucun site « {row['site']} ».")
        if title is None:
            problems.append(f"agrements[{i}].title : aucun titre « {row['title']} ».")
        if site is None or title is None:
            continue
        if site.id is not None and title.id is not None and db.scalar(
            select(Agrement.id).where(
                Agrement.site_id == site.id,
                Agrement.title_id == title.id,
                Agrement.granted_on == row["granted_on"],
            )
        ) is not None:
            problems.append(
                f"agrements[{i}] : l'agrément du site « {row['site']} » pour le titre "
                f"« {row['title']} » octroyé le {row['granted_on']:%d/%m/%Y} existe déjà."
            )
            continue
        values = {k: v for k, v in row.items() if k not in ("site", "title")}
        db.add(Agrement(site=site, title=title, **values))

    known_logins = {login_key(login) for login in db.scalars(select(User.login))}
    for i, row in enumerate(data["users"]):
        if login_key(row["login"]) in known_logins:
            problems.append(f"users[{i}].login : l'identifiant « {row['login']} » existe déjà.")
            continue
        profiles = []
        for j, prof in enumerate(row["profiles"]):
            values = dict(prof)
            if "centre_siret" in values:
                centre = all_centres.get(values.pop("centre_siret"))
                if centre is None:
                    problems.append(f"users[{i}].profiles[{j}].centre_siret : centre inconnu.")
                    continue
                values["centre"] = centre
            profiles.append(Profile(**values))
        db.add(User(login=row["login"], display_name=row["display_name"], email=row["email"],
                    created_at=now, profiles=profiles))

    if problems:
        raise ImportErrors(problems)
    db.flush()
    return {
        "centres": len(centres), "sites": new_sites, "titres": new_titles,
        "agréments": len(data["agrements"]), "utilisateurs": len(data["users"]),
    }


def import_referential(core, data: Any) -> dict[str, int]:
    """Validate ``data`` (parsed JSON) and write it in one transaction; return counts.

    Raises :class:`ImportErrors` listing every problem with its path; the
    database is then unchanged.
    """
    clean = _validate(data)
    with core.transaction() as db:
        ensure_geography(db)
        return _write(db, clean, core.clock.now())
