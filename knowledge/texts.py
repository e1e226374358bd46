"""French sentences of the knowledge layer's conversation (small talk replies).

Every sentence a user reads lives in a texts module; the bot shows these as they are.
"""

from __future__ import annotations

SMALLTALK: dict[str, str] = {
    "greeting": (
        "Bonjour ! Je suis CERES Assist. Posez-moi votre question sur CERES en quelques "
        "mots : sessions, DTE, candidats, jurys, résultats, impression des diplômes…"
    ),
    "thanks": "Avec plaisir ! N'hésitez pas si vous avez une autre question.",
    "goodbye": "Au revoir, et bonne journée !",
    "identity": (
        "Je suis CERES Assist, l'assistant de support de CERES, l'application des titres "
        "professionnels du ministère du Travail. Je réponds aux questions sur CERES, je "
        "vous guide pas à pas dans les procédures et, si votre compte est lié, j'effectue "
        "certaines opérations. Ce que je ne sais pas régler devient une demande au support."
    ),
    "capabilities": (
        "Je peux :\n"
        "• répondre à vos questions sur CERES (sessions, DTE, candidats, jurys, résultats, "
        "impression des diplômes) ;\n"
        "• vous guider pas à pas : /documents, /dte, /transfert, /bloque ;\n"
        "• transmettre votre demande au support : /ticket.\n"
        "Posez votre question en quelques mots, par exemple « commander le DTE » ou "
        "« duplicata de diplôme »."
    ),
    "how_are_you": "Très bien, merci ! Que puis-je faire pour vous sur CERES ?",
    "insult": (
        "Je comprends votre agacement. Reformulez votre question en quelques mots et je "
        "ferai de mon mieux, ou tapez /ticket pour qu'une personne du support prenne le relais."
    ),
    "complaint": (
        "Je suis désolé de ne pas vous avoir aidé. Décrivez-moi la situation en une phrase "
        "(ce que vous voyez à l'écran, le message affiché), ou tapez /ticket pour joindre "
        "le support."
    ),
    "ack": "Parfait. Je reste à votre disposition pour une autre question.",
}
