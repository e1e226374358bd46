"""The company directory adapter (R-SITE-4).

CERES fills a new centre's name, address and commune from the company directory
("API Entreprises"). :class:`OfflineDirectory` is the default (a JSON file shipped
with the package); an HTTP adapter can stand behind the same interface.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol


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
