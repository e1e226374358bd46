"""Dialogues with the knowledge layer's conversation API (knowledge.conversation).

Each dialogue is a table ``[(user says, bot answers), ...]`` played in order, the
turn kept between messages as a front end keeps it. "Bot answers" is a small-talk
reply (its text), the list of topic ids answered, or ``NONE`` (« je ne sais pas »).
"""

from __future__ import annotations

import pytest

from knowledge.articles import load_articles
from knowledge.conversation import Conversation, Turn, understand
from knowledge.matcher import Matcher
from knowledge.texts import SMALLTALK

NONE = "none"


@pytest.fixture(scope="module")
def conversation() -> Conversation:
    return Conversation(Matcher.from_articles(load_articles()))


def play(conversation: Conversation, dialogue, role: str | None = None) -> None:  # noqa: ANN001
    turn: Turn | None = None
    for says, expected in dialogue:
        u = conversation.understand(says, turn, role)
        if isinstance(expected, str) and expected == NONE:
            assert u.kind == "none", (says, u.kind, u.topics)
        elif isinstance(expected, str):
            assert u.kind == "smalltalk" and u.reply == expected, (says, u.kind, u.intent, u.topics)
        else:
            assert u.kind == "answers" and u.topics == expected, (says, u.kind, u.topics)
        if u.turn is not None:  # small talk keeps the previous question's context
            turn = u.turn


SMALL_TALK = [
    ("Bonjour", SMALLTALK["greeting"]),
    ("bonjour à vous", SMALLTALK["greeting"]),
    ("merci !", SMALLTALK["thanks"]),
    ("merci beaucoup", SMALLTALK["thanks"]),
    ("qui es-tu ?", SMALLTALK["identity"]),
    ("t'es qui ?", SMALLTALK["identity"]),
    ("vous êtes un robot ?", SMALLTALK["identity"]),
    ("que sais-tu faire ?", SMALLTALK["capabilities"]),
    ("tu peux m'aider ?", SMALLTALK["capabilities"]),
    ("t'es nul", SMALLTALK["insult"]),
    ("bot de merde", SMALLTALK["insult"]),
    ("tu sers à rien", SMALLTALK["complaint"]),
    ("ça marche pas", SMALLTALK["complaint"]),
    ("j'en ai marre", SMALLTALK["complaint"]),
    ("comment vas-tu ?", SMALLTALK["how_are_you"]),
    ("au revoir", SMALLTALK["goodbye"]),
    ("bonne journée", SMALLTALK["goodbye"]),
    ("ok", SMALLTALK["ack"]),
    ("d'accord", SMALLTALK["ack"]),
]


@pytest.mark.parametrize(("says", "answers"), SMALL_TALK)
def test_small_talk(conversation: Conversation, says: str, answers: str) -> None:
    play(conversation, [(says, answers)])


def test_a_greeting_before_a_question_answers_the_question(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("Bonjour, comment demander un duplicata ?", ["duplicata"]),
            ("merci, et pour une erreur de nom sur le diplôme ?", ["erreur-document"]),
            ("ceres ça marche pas sur internet explorer", ["navigateur"]),
        ],
    )


TWO_QUESTIONS = [
    (
        "comment commander le DTE ? et aussi, quand arrivent les liens du CCP ?",
        ["commander-dte", "livraison-dte-ccp"],
    ),
    (
        "comment commander le DTE et quand arrivent les liens du CCP",
        ["commander-dte", "livraison-dte-ccp"],
    ),
    ("Comment saisir les résultats ? Et où envoyer les PV ?", ["saisie-resultats", "transmission-pv"]),
    (
        "Bonjour, le candidat a perdu son diplôme. Autre question : comment exporter les jurés ?",
        ["duplicata", "export-jures"],
    ),
    # One question in two sentences stays one answer.
    ("Bonjour. Comment demander un duplicata ?", ["duplicata"]),
    # A sentence that states the situation is the context of the question, not one.
    (
        "Bonjour, je suis à la DDETS 35. La session est validée. "
        "Comment j'envoie les diplômes à l'Afpa ?",
        ["print-request"],
    ),
    ("Nous sommes un centre en Bretagne. Nos convocations sont bloquées.", ["convocations"]),
    ("Le candidat a déménagé. Son diplôme est revenu à l'Afpa. Que faire ?", ["pnd"]),
]


@pytest.mark.parametrize(("says", "answers"), TWO_QUESTIONS)
def test_two_questions_get_both_answers(
    conversation: Conversation, says: str, answers: list[str]
) -> None:
    play(conversation, [(says, answers)])


def test_follow_ups_use_the_previous_question(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("quand arrive le DTE d'un TP ?", ["livraison-dte-tp"]),
            ("et pour un CCP ?", ["livraison-dte-ccp"]),
            ("merci", SMALLTALK["thanks"]),
            ("et si c'est un TP", ["livraison-dte-tp"]),
        ],
    )


def test_the_same_follow_up_depends_on_the_previous_question(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("comment commander le DTE d'un TP ?", ["commander-dte"]),
            ("et pour un CCP ?", ["commander-dte"]),
        ],
    )
    play(
        conversation,
        [
            ("quand arrive le DTE d'un TP ?", ["livraison-dte-tp"]),
            ("et pour un CCP ?", ["livraison-dte-ccp"]),
        ],
    )


def test_a_new_question_is_not_bent_by_the_previous_one(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("quand arrive le DTE d'un TP ?", ["livraison-dte-tp"]),
            ("comment exporter la liste des jurés ?", ["export-jures"]),
            ("comment commander le DTE ?", ["commander-dte"]),
            ("jusqu'à quand ?", ["delai-dte"]),
            ("et les convocations ?", ["convocations"]),  # a subject of its own
            ("quelle est la météo demain ?", NONE),  # out of scope stays out of scope
        ],
    )


def test_out_of_scope_is_declined(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("comment imprimer une photo sur mon imprimante ?", NONE),
            ("j'ai perdu mon permis de conduire, il me faut un duplicata", NONE),
        ],
    )


def test_the_answer_is_the_askers_role_variant(conversation: Conversation) -> None:
    for_ud = conversation.understand("valider le PV de la session", role="ud").answers[0].article
    for_centre = conversation.understand("valider le PV de la session", role="centre").answers[
        0
    ].article
    assert for_ud.id == for_centre.id == "transmission-pv"
    assert "vous recevez du centre les originaux" in for_ud.answer
    assert "imprimez en recto verso" in for_centre.answer
    assert "imprimez en recto verso" not in for_ud.body


def test_each_answer_names_the_part_it_answers(conversation: Conversation) -> None:
    u = conversation.understand("comment commander le DTE ? et aussi, quand arrivent les liens du CCP ?")
    assert [a.text for a in u.answers] == [
        "comment commander le DTE",
        "quand arrivent les liens du CCP",
    ]
    first = conversation.understand("quand arrive le DTE d'un TP ?")
    follow = conversation.understand("et pour un CCP ?", first.turn).answers[0]
    assert follow.follow_up and follow.text == "et pour un CCP"
    assert "DTE" in follow.question


def test_turn_round_trips_through_a_dict() -> None:
    turn = Turn("quand arrive le DTE d'un TP", ("livraison-dte-tp",))
    assert Turn.from_dict(turn.to_dict()) == turn
    assert Turn.from_dict(None) is None
    assert Turn.from_dict({"topics": []}) is None


def test_module_function_uses_the_packaged_matcher() -> None:
    assert understand("merci").reply == SMALLTALK["thanks"]


@pytest.mark.parametrize(
    ("role", "says", "answers"),
    [
        (None, "mot de passe oublié ceres", ["contacter-assistance"]),
        (None, "un candidat a déménagé avant de recevoir son diplome", ["pnd"]),
        ("ud", "débloquer une session validée pour corriger un résultat", ["annuler-session"]),
        ("ud", "valider le PV", ["transmission-pv"]),
        ("centre", "commander le DTE", ["commander-dte"]),
        (None, "bonjour", SMALLTALK["greeting"]),
        (None, "merci", SMALLTALK["thanks"]),
    ],
)
def test_the_chat_examples_of_issue_10(
    conversation: Conversation, role: str | None, says: str, answers
) -> None:  # noqa: ANN001
    play(conversation, [(says, answers)], role)


PHONE_SMALL_TALK = [
    ("slt", "greeting"),
    ("cc", "greeting"),
    ("salut ça va ?", "greeting"),
    ("mrc", "thanks"),
    ("thx", "thanks"),
    ("merci c'est bon j'ai compris", "thanks"),
    ("ok", "thanks"),
    ("t ki ?", "identity"),
    ("t'es un robot ?", "identity"),
    ("c quoi ce bot", "identity"),
    ("tu sers a quoi", "capabilities"),
    ("qu'est-ce que tu sais faire", "capabilities"),
    ("tu peux m'aider stp", "capabilities"),
    ("c nul", "complaint"),
    ("ça marche jamais votre truc", "complaint"),
    ("tu sers strictement à rien, j'ai perdu une heure", "complaint"),
    ("c'est pas ce que j'ai demandé", "complaint"),
    ("t'es con ou quoi", "insult"),
    ("de la merde ce truc", "insult"),
    ("bonne soirée", "goodbye"),
    ("à+", "goodbye"),
    ("bon ben tant pis, salut", "goodbye"),
    ("c'est gentil", "thanks"),
    ("merci, ça répond à ma question", "thanks"),
    ("qui t'a créé ?", "identity"),
    ("t'es capable de quoi ?", "capabilities"),
    ("t'es complètement à côté", "complaint"),
    ("je m'en vais", "goodbye"),
    ("il y a quelqu'un ?", "greeting"),
    ("👍", "thanks"),
    ("🙏", "thanks"),
    ("😡", "complaint"),
]


@pytest.mark.parametrize(("says", "family"), PHONE_SMALL_TALK)
def test_phone_style_small_talk_gets_its_family(
    conversation: Conversation, says: str, family: str
) -> None:
    u = conversation.understand(says)
    assert (u.kind, u.intent) == ("smalltalk", family), (says, u.kind, u.intent, u.topics)


def test_a_comment_with_a_field_question_answers_it(conversation: Conversation) -> None:
    play(
        conversation,
        [
            ("quand arrive le DTE d'un TP ?", ["livraison-dte-tp"]),
            ("merci, et pour un CCP ?", ["livraison-dte-ccp"]),
            ("c'est nul, comment exporter la liste des jurés ?", ["export-jures"]),
        ],
    )


def test_a_greeting_before_an_out_of_scope_question_is_declined(
    conversation: Conversation,
) -> None:
    play(conversation, [("bonjour, ma voiture fait un bruit bizarre", NONE)])


MARKED_QUESTIONS = [
    (
        "Question 1 : comment créer une session. Question 2 : comment inscrire des candidats",
        ["creer-session", "inscription-candidat"],
    ),
    ("comment supprimer une session / comment exporter les jurés", ["supprimer-session", "export-jures"]),
    ("1) comment commander le dte 2) comment exporter les jurés", ["commander-dte", "export-jures"]),
    (
        "1/ comment clôturer une session 2/ quand afficher les résultats",
        ["cloturer-session", "affichage-resultats"],
    ),
    (
        "Comment créer une session ? Aussi, le bouton des convocations est grisé.",
        ["creer-session", "convocations"],
    ),
    (
        "comment faire un duplicata, aussi comment corriger une erreur de nom sur le diplome",
        ["duplicata", "erreur-document"],
    ),
    (
        "je voudrais créer une session et aussi savoir jusqu'à quand commander le DTE",
        ["creer-session", "delai-dte"],
    ),
]


@pytest.mark.parametrize(("says", "answers"), MARKED_QUESTIONS)
def test_questions_marked_as_several_get_each_answer(
    conversation: Conversation, says: str, answers: list[str]
) -> None:
    play(conversation, [(says, answers)])


def test_a_follow_up_asking_its_own_question_keeps_only_the_subject(
    conversation: Conversation,
) -> None:
    play(
        conversation,
        [
            ("jusqu'à quand commander le DTE d'une session en juin ?", ["delai-dte"]),
            ("et quelles informations mettre dans la commande ?", ["commander-dte"]),
        ],
    )


@pytest.mark.parametrize(
    ("says", "answers"),
    [
        ("comment saisir les résultats et envoyer les PV", ["saisie-resultats", "transmission-pv"]),
        ("je veux créer une session et inscrire des candidats", ["creer-session", "inscription-candidat"]),
        # one situation told with « et »: one answer
        ("le diplome est revenu a l'afpa et le candidat a demenagé, que faire", ["pnd"]),
        ("la session est validée et je veux imprimer les diplômes", ["print-request"]),
    ],
)
def test_a_plain_et_splits_only_two_questions_that_stand(
    conversation: Conversation, says: str, answers: list[str]
) -> None:
    play(conversation, [(says, answers)])
