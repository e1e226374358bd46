"""French texts of the reminders in the chat (``/rappels``, the daily digest's buttons).

The reminders' own sentences come from the core (:mod:`ceres_core.reminder_texts`);
these are the bot's frame around them. ``{…}`` fields are filled with escaped values.
"""

from __future__ import annotations

DIGEST_HEADER = "🔔 <b>Vos rappels CERES du {day}</b>"
DIGEST_FOOTER = (
    "<i>« Plus tard » : je vous le rappelle le prochain jour ouvré. "
    "/rappels : choisir les rappels que vous recevez.</i>"
)
BUTTON_LATER = "{n} · Plus tard"
BUTTON_STOP = "{n} · Ne plus recevoir ce type"

#: Labels of the action buttons, by action name of the core (ceres_core.reminders.Action).
ACTION_LABELS: dict[str, str] = {
    "commander_dte": "Commander le DTE",
    "voir_session": "Voir la session",
    "calendrier_dte": "Calendrier du DTE",
    "valider_sessions": "Voir mes sessions",
    "demander_duplicata": "Demander un duplicata",
    "enregistrer_pnd": "Enregistrer la nouvelle adresse",
    "traiter_impressions": "Envoyer pour impression",
    "telecharger_attestation": "Attestation de réussite",
    "voir_habilitations": "Voir ses habilitations",
    "voir_doublons": "Voir les doublons probables",
    "traiter_commandes_dte": "Commandes de DTE à traiter",
    "renvoyer_pnd": "Voir les plis à renvoyer",
    "accuser_reception_dte": "Accuser réception du DTE",
}

SNOOZED = "C'est noté : je vous rappellerai « {kind} » le {day}."
STOPPED = (
    "C'est noté : vous ne recevrez plus de rappels « {kind} ». "
    "Tapez /rappels pour les réactiver."
)

SETTINGS_HEADER = "🔔 <b>Vos rappels</b>"
SETTINGS_INTRO = (
    "Je vous écris de moi-même, au plus une fois par jour ouvré, entre {start} h et {end} h "
    "(heure de {where}), quand une échéance de CERES approche. Voici les rappels que vous "
    "pouvez recevoir :"
)
SETTINGS_WHERE_NATIONAL = "Paris, jours fériés nationaux"
SETTINGS_WHERE_DEPARTEMENT = "votre département, {label}"
KIND_ON = "✅ {label}"
KIND_OFF = "🔕 {label} (désactivé)"
KIND_SNOOZED = "⏰ {label} (en pause jusqu'au {day})"
SETTINGS_NONE = "Votre profil ne reçoit aucun rappel."
SETTINGS_TODAY_NONE = "Aujourd'hui, aucun rappel en attente pour vous."
SETTINGS_TODAY = "<b>Aujourd'hui ({count}) :</b>"
SETTINGS_TODAY_SENT = " (déjà envoyé)"
BUTTON_TURN_OFF = "🔕 Désactiver : {label}"
BUTTON_TURN_ON = "✅ Activer : {label}"
TOGGLED_ON = "Rappels « {kind} » activés."
TOGGLED_OFF = "Rappels « {kind} » désactivés."
UNKNOWN_KIND = "Ce type de rappel n'existe plus."

# -- the helpdesk's report page (bot.reminders.report_section) ---------------------------
REPORT_TITLE = "Rappels envoyés par l'assistant"
REPORT_DIGESTS = "Messages de rappels envoyés (un par personne et par jour au plus)"
REPORT_REMINDERS = "Rappels qu'ils contenaient"
REPORT_ACTED = "Rappels suivis d'une action (bouton du rappel utilisé)"
REPORT_BLOCKED = "Conversations qui ont bloqué l'assistant (à ce jour)"
REPORT_NOTE = "Toutes files confondues : les rappels ne dépendent pas des files du support."
