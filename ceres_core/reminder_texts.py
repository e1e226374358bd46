"""The French sentences of the reminders (:mod:`ceres_core.reminders`).

Plain text (no markup): the bot escapes it for Telegram HTML, the command line prints
it as is. Each function takes plain values, so the wording is tested without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ceres_core.dte_timeline import format_date_fr
from ceres_core.values import plural

#: Kind id → (label shown in /rappels and in the digest's buttons, who receives it).
KIND_LABELS: dict[str, str] = {
    "dte_commande": "Commande du DTE à passer",
    "convocations": "Convocations à envoyer",
    "relance_gev": "DTE non préparé : relancer la GEV",
    "fin_agrement": "Agrément qui se termine avant une session",
    "cloture_session": "Session terminée à clôturer",
    "validation": "Sessions en attente de validation",
    "duplicata_possible": "Duplicatas possibles",
    "pnd_retourne": "Plis non distribuables à traiter",
    "habilitation_expire": "Habilitations de jurés qui expirent",
    "doublons_candidats": "Fiches candidat en doublon",
    "commandes_gev": "Commandes de DTE à traiter (GEV)",
    "impressions_afpa": "Demandes d'impression reçues (Afpa)",
    "pnd_afpa": "Plis non distribuables à renvoyer (Afpa)",
}

DIGEST_TITLE = "Vos rappels CERES du {day}"
DIGEST_INTRO = "Voici ce qui demande votre attention aujourd'hui :"
NOTHING = "Aucun rappel à envoyer."


def _day(d: date) -> str:
    return format_date_fr(d)


def _left(n: int) -> str:
    if n <= 0:
        return "aujourd'hui"
    return f"dans {plural(n, 'jour ouvré', 'jours ouvrés')}"


def dte_order(ref: str, start: date, deadline: date, working_days_left: int) -> str:
    return (
        f"Le DTE de la session {ref} (début le {_day(start)}) n'est pas commandé : la date "
        f"limite de commande est le {_day(deadline)}, {_left(working_days_left)} (R-DTE-1)."
    )


def convocations(ref: str, start: date, deadline: date, working_days_left: int,
                 delay_label: str) -> str:
    return (
        f"Les convocations de la session {ref} (début le {_day(start)}) ne sont pas "
        f"envoyées : elles doivent parvenir aux candidats {delay_label} avant, au plus tard "
        f"le {_day(deadline)}, {_left(working_days_left)} (R-CON-2)."
    )


def gev_chase(ref: str, start: date, email: str) -> str:
    return (
        f"La session {ref} commence le {_day(start)} et la GEV n'a pas encore préparé son "
        f"DTE : si les plis d'examen ne vous sont pas parvenus, contactez la GEV ({email}) "
        "(R-DTE-7)."
    )


def agrement_end(ref: str, start: date, title: str, agrement_end_on: date, ended: bool) -> str:
    verb = "s'est terminé" if ended else "se termine"
    return (
        f"L'agrément « {title} » du site {verb} le {_day(agrement_end_on)}, avant la session "
        f"{ref} prévue le {_day(start)} : la session doit avoir lieu avant la fin de "
        "l'agrément ; sinon, informez la DREETS du changement de date (R-SES-2)."
    )


def session_close(ref: str, end: date, working_days_since: int) -> str:
    return (
        f"La session {ref} est terminée depuis le {_day(end)} "
        f"({plural(working_days_since, 'jour ouvré', 'jours ouvrés')}) et n'est pas encore "
        "clôturée par le centre : saisissez les présences et les résultats puis clôturez-la, "
        "sinon la DREETS ne pourra pas valider le PV (R-SES-6)."
    )


def validation(refs: Sequence[str], departement_label: str) -> str:
    listed = ", ".join(refs)
    return (
        f"{plural(len(refs), 'session attend', 'sessions attendent')} votre validation "
        f"({departement_label}) : {listed} (R-SES-4)."
    )


def duplicate_open(ref: str, names: Sequence[str], opens_on: date) -> str:
    who = ", ".join(names)
    return (
        f"Un duplicata peut être demandé depuis le {_day(opens_on)} pour "
        f"{plural(len(names), 'candidat')} de la session {ref} : {who} (R-PRT-6)."
    )


def pnd_returned(ref: str, name: str, ceres_id: str, reported_on: date) -> str:
    return (
        f"Le courrier de {name} (n° {ceres_id}, session {ref}) est revenu non distribué le "
        f"{_day(reported_on)} : obtenez l'adresse exacte auprès du candidat et enregistrez-la ; "
        "l'Afpa renverra le courrier, sans duplicata (R-AFT-2)."
    )


def habilitation_expiry(juror: str, title: str, ends_on: date, working_days_left: int) -> str:
    return (
        f"L'habilitation de {juror} sur « {title} » expire le {_day(ends_on)}, "
        f"{_left(working_days_left)} (R-JUR-1)."
    )


def candidate_duplicates(first: str, second: str, reason: str) -> str:
    return (
        f"Fiches candidat probablement en doublon dans votre région : {first} et {second} "
        f"({reason}). Seule la DREETS peut les traiter (R-CAN-5)."
    )


def gev_orders(to_acknowledge: Sequence[str], to_prepare: Sequence[str]) -> str:
    parts = []
    if to_acknowledge:
        parts.append(
            f"{plural(len(to_acknowledge), 'commande attend', 'commandes attendent')} votre "
            f"accusé de réception : {', '.join(to_acknowledge)}"
        )
    if to_prepare:
        parts.append(
            f"{plural(len(to_prepare), 'commande est', 'commandes sont')} à préparer "
            f"(liens et plis) : {', '.join(to_prepare)}"
        )
    return "Commandes de DTE : " + " ; ".join(parts) + " (R-DTE-3)."


def afpa_prints(count: int, sessions: Sequence[str], since: date) -> str:
    return (
        f"{plural(count, 'demande', 'demandes')} d'impression "
        f"{'reçue' if count < 2 else 'reçues'} depuis le {_day(since)}, pour "
        f"{plural(len(sessions), 'session')} : {', '.join(sessions)} (R-PRT-2)."
    )


def afpa_pnd(name: str, ceres_id: str, ref: str, new_address: str) -> str:
    return (
        f"Pli non distribuable de {name} (n° {ceres_id}, session {ref}) : l'adresse est "
        f"corrigée, renvoyez le courrier au {new_address} (R-AFT-2)."
    )
