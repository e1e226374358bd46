"""French texts of the demo chat page's server side (the page's own labels are in
``templates/chat.html``)."""

from __future__ import annotations

EMPTY_MESSAGE = "Message vide : écrivez quelque chose avant d'envoyer."
CHAT_EXPECTED = "Conversation inconnue : choisissez un compte ou ouvrez une nouvelle conversation."
DOCUMENT_IDS_EXPECTED = "Document introuvable : l'adresse doit indiquer la conversation et le message."
DOCUMENT_NOT_FOUND = "Ce document n'existe plus dans la conversation."
REPLIED_NOT_FOUND = "Le message auquel vous répondez n'existe plus dans la conversation."
BAD_REPLY_TO = "Message cité invalide."
FILE_EXPECTED = "Aucun fichier reçu : choisissez un fichier avant d'envoyer."
FILE_EMPTY = "Le fichier « {name} » est vide."
FILE_TOO_BIG = "Le fichier « {name} » dépasse {limit} Mo : la page n'envoie pas de fichier plus gros."
CAPTION_TOO_LONG = "La légende dépasse {limit} caractères."
JSON_EXPECTED = "Requête invalide (JSON attendu)."
DEFAULT_NAME = "Visiteur"
DOCUMENT_FALLBACK_NAME = "document"
