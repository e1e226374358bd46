"""The company directory adapter (R-SITE-4).

CERES fills a new centre's name, address and commune from the company directory
("API Entreprises"). :class:`OfflineDirectory` is the default (a JSON file shipped
with the package); :class:`HttpDirectory` stands behind the same interface and
queries a JSON company search API shaped like the public "recherche-entreprises"
API (``GET {base_url}/search?q=<siret>``). :func:`directory_from_env` picks one.
"""

from __future__ import annotations

import http.client
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

from ceres_core.errors import CeresError

#: Shown to the user when the directory cannot answer (network, HTTP error, bad JSON).
UNAVAILABLE_MESSAGE = "Le répertoire des entreprises ne répond pas, réessayez plus tard."


@dataclass(frozen=True)
class CompanyRecord:
    siret: str
    name: str
    address: str
    postal_code: str
    commune: str


class CompanyDirectory(Protocol):
    def lookup(self, siret: str) -> CompanyRecord | None:
        """The establishment with this (valid) SIRET, or None if unknown."""
        ...


class DirectoryUnavailable(CeresError):
    """The company directory could not be reached or gave an unusable answer."""

    def __init__(self, reason: str = "") -> None:
        super().__init__(UNAVAILABLE_MESSAGE, reason=reason)


class OfflineDirectory:
    """Establishments read from a JSON list of objects with CompanyRecord's fields."""

    def __init__(self, path: Path | str | None = None) -> None:
        if path is None:
            text = resources.files("ceres_core").joinpath("data/entreprises.json").read_text(
                encoding="utf-8"
            )
        else:
            text = Path(path).read_text(encoding="utf-8")
        self._by_siret = {row["siret"]: CompanyRecord(**row) for row in json.loads(text)}

    def lookup(self, siret: str) -> CompanyRecord | None:
        return self._by_siret.get(siret)

    def __len__(self) -> int:
        return len(self._by_siret)


class HttpDirectory:
    """A company search API over HTTP(S), modelled on "recherche-entreprises".

    ``GET {base_url}/search?q=<siret>`` answers
    ``{"results": [{"nom_complet": ..., "siege": {...},
    "matching_etablissements": [{"siret", "adresse", "code_postal", "libelle_commune"}]}]}``.
    The establishment whose ``siret`` equals the one asked for is returned (from
    ``matching_etablissements``, else from ``siege``). ``token``, when given, is sent
    as ``Authorization: Bearer <token>``. Any transport or format problem raises
    :class:`DirectoryUnavailable` (a :class:`CeresError` with a French message).
    """

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 5.0) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"directory URL must be http(s), got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def lookup(self, siret: str) -> CompanyRecord | None:
        payload = self._get_json("/search", {"q": siret})
        results = payload.get("results") if isinstance(payload, Mapping) else None
        if not isinstance(results, list):
            raise DirectoryUnavailable("answer without a 'results' list")
        for company in results:
            if not isinstance(company, Mapping):
                continue
            record = _record_from_company(company, siret)
            if record is not None:
                return record
        return None

    def _get_json(self, path: str, params: Mapping[str, str]) -> Any:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        headers = {"Accept": "application/json", "User-Agent": "ceres-assist/0.1"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                body = response.read()
        except urllib.error.HTTPError as exc:
            raise DirectoryUnavailable(f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            raise DirectoryUnavailable(f"{type(exc).__name__}: {exc}") from exc
        try:
            return json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise DirectoryUnavailable("answer is not JSON") from exc


def _text(value: object) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _record_from_company(company: Mapping[str, Any], siret: str) -> CompanyRecord | None:
    establishments = company.get("matching_etablissements") or []
    candidates = [e for e in establishments if isinstance(e, Mapping)]
    siege = company.get("siege")
    if isinstance(siege, Mapping):
        candidates.append(siege)
    for etab in candidates:
        if _text(etab.get("siret")).replace(" ", "") != siret:
            continue
        name = _text(company.get("nom_complet") or company.get("nom_raison_sociale"))
        postal_code = _text(etab.get("code_postal"))
        commune = _text(etab.get("libelle_commune"))
        address = _street_part(_text(etab.get("adresse")), postal_code, commune)
        if not name:
            raise DirectoryUnavailable("company without a name")
        return CompanyRecord(
            siret=siret, name=name, address=address, postal_code=postal_code, commune=commune
        )
    return None


def _street_part(address: str, postal_code: str, commune: str) -> str:
    """``"12 RUE X 75011 PARIS"`` → ``"12 RUE X"``: the API repeats postcode and town."""
    tail = f"{postal_code} {commune}".strip()
    if tail and address.upper().endswith(tail.upper()):
        address = address[: -len(tail)]
    elif postal_code and f" {postal_code} " in f" {address} ":
        address = address[: f" {address} ".rfind(f" {postal_code} ")]
    return address.strip(" ,")


def directory_from_env(environ: Mapping[str, str] | None = None) -> CompanyDirectory:
    """:class:`HttpDirectory` when ``CERES_DIRECTORY_URL`` is set, else :class:`OfflineDirectory`.

    ``CERES_DIRECTORY_TOKEN`` (optional) and ``CERES_DIRECTORY_TIMEOUT`` (seconds,
    default 5) configure the HTTP adapter.
    """
    env = os.environ if environ is None else environ
    url = (env.get("CERES_DIRECTORY_URL") or "").strip()
    if not url:
        return OfflineDirectory()
    timeout_text = (env.get("CERES_DIRECTORY_TIMEOUT") or "").strip()
    try:
        timeout = float(timeout_text) if timeout_text else 5.0
    except ValueError:
        raise ValueError(
            f"CERES_DIRECTORY_TIMEOUT must be a number of seconds, got {timeout_text!r}"
        ) from None
    return HttpDirectory(url, token=(env.get("CERES_DIRECTORY_TOKEN") or None), timeout=timeout)
