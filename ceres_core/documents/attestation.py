"""The attestation de réussite (R-PRT-5, R-AFT-1, R-AFT-3).

A PDF the State service prints, signs and mails itself to an admitted candidate
while the diploma is being printed and mailed by the Afpa (seed 000). Rendering
only: the service :func:`ceres_core.services.printing.attestation_reussite`
checks the rule (admitted, after the first print request), gathers the data and
calls :func:`render_attestation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ceres_core.documents.pdf import OfficialDocument, french_date


@dataclass(frozen=True)
class AttestationData:
    """What the attestation says."""

    issued_on: date
    service_name: str  # "UD de la DRIEETS (75 – Paris)", "DREETS Bretagne"
    signatory: str  # the agent who downloads it (display name)
    civility: str  # "Monsieur" / "Madame"
    first_name: str
    last_name: str
    birth_date: date
    ceres_id: str
    obtained: str  # "le titre professionnel Ouvrier du paysage"
    title_label: str
    title_code: str
    title_version_date: date
    title_level: int
    title_domains: tuple[str, ...]
    title_rncp: str | None
    session_ref: str
    session_start: date
    session_end: date
    session_place: str


def attestation_filename(ceres_id: str, session_ref: str) -> str:
    return f"attestation_reussite_{ceres_id}_{session_ref}.pdf"


def _born(civility: str) -> str:
    return "Née" if civility == "Madame" else "Né"


def _period(start: date, end: date) -> str:
    if start == end:
        return f"du {start:%d/%m/%Y}"
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y}"


def build_attestation(
    data: AttestationData, *, unicode_font: bool | None = None, compress: bool = True
) -> OfficialDocument:
    """The laid-out document (its ``texts`` list every line written)."""
    candidate = f"{data.civility} {data.first_name} {data.last_name.upper()}".strip()
    doc = OfficialDocument(
        service_lines=[data.service_name],
        title=f"Attestation de réussite - {candidate}",
        subject=f"Attestation de réussite - {data.title_code} {data.title_label}",
        footer=f"CERES - attestation de réussite - candidat n° {data.ceres_id}",
        unicode_font=unicode_font,
        compress=compress,
    )
    doc.header_block()
    doc.place_and_date(None, data.issued_on)
    doc.recipient([candidate, f"Candidat n° {data.ceres_id}"])
    doc.reference(
        "Objet",
        f"Attestation de réussite à la session d'examen du titre professionnel "
        f"{data.title_label}",
    )
    doc.title("Attestation de réussite")
    doc.paragraph(
        f"Je soussigné(e), {data.signatory}, {data.service_name}, certifie que :"
    )
    doc.fields(
        [
            ("Candidat", candidate),
            (_born(data.civility) + " le", f"{data.birth_date:%d/%m/%Y}"),
            ("Candidat n°", data.ceres_id),
        ]
    )
    doc.paragraph(
        "a obtenu, par décision du représentant territorial compétent du ministère chargé "
        f"de l'emploi après délibération du jury, {data.obtained} ({data.title_code}) "
        f"({data.title_version_date:%d/%m/%Y}), à l'issue de la session d'examen "
        f"n° {data.session_ref} qui s'est tenue {_period(data.session_start, data.session_end)} "
        f"à {data.session_place}."
    )
    domains = ", ".join(data.title_domains)
    doc.paragraph(
        f"Ce titre est classé au niveau {data.title_level} du cadre national des "
        "certifications professionnelles"
        + (f", dans le(s) domaine(s) d'activité {domains}." if domains else ".")
    )
    rncp = f" ({data.title_rncp})" if data.title_rncp else ""
    doc.paragraph(
        f"Il est enregistré dans le répertoire national des certifications professionnelles{rncp}."
    )
    doc.paragraph(
        "La présente attestation est délivrée dans l'attente de la réception des documents "
        "officiels, pour servir et valoir ce que de droit."
    )
    doc.signature(
        [
            f"Fait le {french_date(data.issued_on)},",
            data.service_name,
            data.signatory,
            "(signature et cachet du service)",
        ]
    )
    return doc


def render_attestation(
    data: AttestationData, *, unicode_font: bool | None = None, compress: bool = True
) -> bytes:
    """The attestation as PDF bytes, ready to print, sign and mail."""
    return build_attestation(data, unicode_font=unicode_font, compress=compress).to_bytes()
