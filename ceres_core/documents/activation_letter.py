"""The "courrier d'activation" of a centre (R-SITE-7).

After a transfer to a centre that never received an activation code, the DREETS
edits this letter from the centre's page; it carries the code that lets the
centre's staff open their CERES account. Rendering only: the service
:func:`ceres_core.services.centres.activation_letter_pdf` generates and stores
the code, then calls :func:`render_activation_letter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ceres_core.documents.pdf import OfficialDocument
from ceres_core.siret import format_siret

CERES_URL = "https://ceres.emploi.gouv.fr"
ASSISTANCE = (
    "l'assistance des ministères sociaux : portail assistance.emploi.gouv.fr, "
    "téléphone 01 46 29 25 54 (option 1), du lundi au vendredi de 9 h à 18 h"
)


@dataclass(frozen=True)
class ActivationLetter:
    """What the letter says. ``code`` is the plain activation code (shown once)."""

    centre_name: str
    siret: str
    address: str | None
    postal_code: str | None
    commune: str | None
    code: str
    issued_on: date
    service_name: str  # "DREETS Bretagne"
    signatory: str  # the agent who edits the letter
    site_names: tuple[str, ...] = ()
    place: str | None = None


def activation_letter_filename(siret: str, day: date) -> str:
    return f"courrier_activation_{siret}_{day:%Y%m%d}.pdf"


def render_activation_letter(
    letter: ActivationLetter, *, unicode_font: bool | None = None, compress: bool = True
) -> bytes:
    """The letter as PDF bytes."""
    doc = OfficialDocument(
        service_lines=[letter.service_name],
        title=f"Courrier d'activation - {letter.centre_name}",
        subject="Code d'activation du compte CERES du centre",
        footer=f"CERES - courrier d'activation - SIRET {format_siret(letter.siret)}",
        unicode_font=unicode_font,
        compress=compress,
    )
    doc.header_block()
    doc.place_and_date(letter.place, letter.issued_on)
    town = " ".join(p for p in (letter.postal_code, letter.commune) if p)
    doc.recipient([letter.centre_name, letter.address or "", town])
    doc.reference("Objet", "code d'activation du compte CERES de votre centre")
    doc.title("Courrier d'activation")
    doc.paragraph("Madame, Monsieur,")
    doc.paragraph(
        f"Votre centre « {letter.centre_name} » (SIRET {format_siret(letter.siret)}) est "
        "enregistré dans CERES (CERtifications EmploiS), l'application du ministère du "
        "Travail qui gère les sessions d'examen des titres professionnels."
    )
    if letter.site_names:
        if len(letter.site_names) > 1:
            intro = "Les sites suivants lui sont rattachés, avec leurs agréments et leurs sessions :"
        else:
            intro = "Le site suivant lui est rattaché, avec ses agréments et ses sessions :"
        doc.paragraph(intro)
        doc.bullets(letter.site_names)
    doc.paragraph(
        f"Pour ouvrir le compte de votre centre, connectez-vous à CERES ({CERES_URL}) et "
        "saisissez, avec le SIRET du centre, le code d'activation suivant :"
    )
    doc.highlight("Code d'activation", letter.code, secret=True)
    doc.paragraph(
        "Ce code est personnel et ne peut servir qu'une seule fois. Conservez ce courrier "
        "en lieu sûr et ne transmettez pas ce code par courriel."
    )
    doc.paragraph(
        f"Pour toute question sur l'utilisation de CERES, vous pouvez contacter {ASSISTANCE}."
    )
    doc.paragraph(
        "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations distinguées."
    )
    doc.signature([f"Pour la {letter.service_name},", letter.signatory])
    return doc.to_bytes()
