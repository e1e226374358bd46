"""French normalisation, stemming and the lexicon of the field."""

from __future__ import annotations

import pytest

from knowledge.lexicon import Lexicon
from knowledge.text import is_stopword, normalise, stem, words


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.load()


def test_normalise_strips_accents_case_and_ligatures() -> None:
    assert normalise("Réimpression du DIPLÔME, œuvre") == "reimpression du diplome oeuvre"


def test_normalise_removes_elisions_of_both_apostrophes() -> None:
    assert normalise("l'attestation d’un candidat qu'il n'a jamais reçu") == (
        "attestation un candidat il a jamais recu"
    )
    assert normalise("c'est l'UD, j'ai") == "est ud ai"


def test_normalise_keeps_jusqu_meaning() -> None:
    assert normalise("Jusqu'à quand ?") == "jusque a quand"


def test_normalise_turns_punctuation_into_spaces_and_keeps_digits() -> None:
    assert (
        normalise("PND!!! siret=0000000000000 ; (7 jours)...") == "pnd siret 0000000000000 7 jours"
    )
    assert normalise("DTE-CCP/lien") == "dte ccp lien"


def test_normalise_reads_times_of_day() -> None:
    assert normalise("à 8h, 15 h ou 21h00") == "a 8 heure 15 heure ou 21 heure"


def test_words_and_stopwords() -> None:
    assert words("Bonjour, comment faire ?") == ["bonjour", "comment", "faire"]
    assert all(is_stopword(w) for w in ["bonjour", "comment", "faire", "est", "le"])
    assert not is_stopword("duplicata")
    assert not is_stopword("7")  # digits are kept: "7 jours"


@pytest.mark.parametrize(
    "forms",
    [
        ("convocation", "convocations", "convoquer"),
        ("habilitation", "habiliter", "habilitee", "habilite"),
        ("annuler", "annulation", "annulee"),
        ("session", "sessions"),
        ("candidat", "candidats", "candidate"),
        ("saisir", "saisie", "saisi"),
        ("remplir", "remplissez"),
    ],
)
def test_stem_groups_word_families(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


def test_stem_leaves_short_words_and_codes_alone() -> None:
    assert stem("dte") == "dte"
    assert stem("0000000000000") == "0000000000000"
    assert stem("tp") == "tp"


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("DIRECCTE", "dreets"),
        ("la DIECCTE", "dreets"),
        ("DRIEETS", "dreets"),
        ("DDETS", "ud"),
        ("dossier technique d'évaluation", "dte"),
        ("les sujets d'examen", "dte"),
        ("NPAI", "pnd"),
        ("pli non distribuable", "pnd"),
        ("courrier retourné", "pnd"),
        ("responsable de session", "rs"),
        ("RS", "rs"),
        ("procès-verbal", "pv"),
        ("gestion des épreuves", "gev"),
        ("titre professionnel", "tp"),
        ("duplicate", "duplicata"),
        ("réimpression", "duplicata"),
        ("tampon", "cachet"),
        ("Internet Explorer", "navigateur"),
        ("firefox", "navigateur"),
        ("IE", "navigateur"),
        ("jurés", "jury"),
        ("convoquer", "convocation"),
        ("validation des acquis de l'expérience", "vae"),
        ("centre de reprise", "reprise"),
        ("0000000000000", "reprise"),
    ],
)
def test_lexicon_maps_synonyms_and_abbreviations(
    lexicon: Lexicon, variant: str, canonical: str
) -> None:
    # A variant rewrites to the same (stemmed) term as the canonical term itself.
    target = lexicon.canonical(canonical)
    assert target and set(target) <= set(lexicon.canonical(variant))


def test_lexicon_deets_is_a_departmental_service_overseas(lexicon: Lexicon) -> None:
    assert lexicon.canonical("DEETS") == lexicon.canonical("ud") + lexicon.canonical("drom")


def test_lexicon_longest_variant_wins(lexicon: Lexicon) -> None:
    # "salle de réunion" is a meeting room, not La Réunion.
    assert "drom" not in lexicon.canonical("salle de réunion")
    assert lexicon.canonical("né à la Réunion") == lexicon.canonical("naissance drom")
    # "au sujet de" is not the exam subjects.
    assert "dte" not in lexicon.canonical("au sujet de la session")


def test_lexicon_variant_with_function_words_needs_them(lexicon: Lexicon) -> None:
    # "rien ne se passe" means blocked; "passer commande" does not.
    blocked = lexicon.canonical("bloque")
    assert lexicon.canonical("rien ne se passe") == blocked
    assert not set(blocked) & set(lexicon.canonical("passer commande"))


def test_lexicon_rejects_unquoted_numbers(tmp_path) -> None:
    path = tmp_path / "lexicon.yaml"
    path.write_text("terms:\n  reprise:\n    - 0000000000000\n", encoding="utf-8")
    with pytest.raises(ValueError, match="quoted"):
        Lexicon.load(path)


# -- familiar wording, negation and stemming fixes (blind set analysis) ---------------


@pytest.mark.parametrize(
    "forms",
    [
        ("nouveau", "nouvelle", "nouvel", "nouveaux"),  # -eau ~ -el
        ("originaux", "original"),  # -aux ~ -al
        ("verbaux", "verbal"),
        ("ouvrent", "ouvrir"),  # verbs in -ent
        ("arrivent", "arriver"),
    ],
)
def test_stem_groups_more_word_families(forms: tuple[str, ...]) -> None:
    assert len({stem(f) for f in forms}) == 1, {f: stem(f) for f in forms}


def test_stem_keeps_donnees_apart_from_donner() -> None:
    assert stem("donnees") == stem("donnee")
    assert stem("donnees") != stem("donne")


def test_context_words_are_stopwords() -> None:
    # "on vient de valider", "la manip", months and regions say nothing about the topic.
    for word in ["vient", "viennent", "aider", "manip", "procedure", "mars", "occitanie"]:
        assert is_stopword(word), word


def test_lexicon_negated_reception_is_its_own_term(lexicon: Lexicon) -> None:
    not_received = lexicon.canonical("non reçu")
    assert not_received
    for text in ["pas reçu", "jamais eu", "toujours pas arrivés", "rien reçu", "pas encore reçu"]:
        assert set(not_received) <= set(lexicon.canonical(text)), text
    received = lexicon.canonical("reçu")
    assert not set(received) & set(not_received)


@pytest.mark.parametrize(
    ("variant", "canonical"),
    [
        ("prévisu", "apercu"),
        ("Marianne", "logo"),
        ("certificat médical", "justifie"),
        ("remet", "remise"),
        ("viennent les chercher", "remise"),
        ("refaire imprimer", "duplicata"),
        ("centre bidon", "reprise"),
        ("adresse inconnue", "pnd"),
        ("deux identifiants", "doublon"),
        ("n'existe pas", "inexistant"),
        ("4ème", "quatrieme"),
        ("déplacer un site", "transfert"),
        ("nom de famille", "nom"),
    ],
)
def test_lexicon_familiar_variants(lexicon: Lexicon, variant: str, canonical: str) -> None:
    target = lexicon.canonical(canonical)
    assert target and set(target) <= set(lexicon.canonical(variant))


def test_lexicon_variants_keep_the_domain_words_they_contain(lexicon: Lexicon) -> None:
    assert "diplom" in lexicon.canonical("l'édition des diplômes")
    assert "candidat" in lexicon.canonical("enregistrer un candidat")
    assert lexicon.canonical("le lien est activé") == lexicon.canonical("lien ouverture")


def test_lexicon_idioms_that_borrow_domain_words(lexicon: Lexicon) -> None:
    # "faute de candidats" is a lack, not an error; income is not mail "revenu".
    assert "erreur" not in lexicon.canonical("faute de candidats")
    assert "pnd" not in lexicon.canonical("déclaration de revenus")
    assert lexicon.canonical("courrier revenu") == lexicon.canonical("pnd")
    # A candidate's CERES ID is not a login.
    assert lexicon.canonical("identifiant CERES") != lexicon.canonical("identifiant")
    # The verb "imprimer" is everyday office life; the print request is CERES's.
    assert lexicon.canonical("imprimer") != lexicon.canonical("impression")


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("jpeux envoyer les convoc ?", ["je", "peux", "envoyer", "les", "convocation"]),
        ("qd arrive le dipl", ["quand", "arrive", "le", "diplome"]),
        ("pb de mdp", ["probleme", "de", "mot", "de", "passe"]),
        ("pk le certif est bloqué", ["pourquoi", "le", "certification", "est", "bloque"]),
    ],
)
def test_phone_spellings_are_read(typed: str, read: list[str]) -> None:
    assert words(typed) == read


def test_older_service_names_are_one_term(lexicon: Lexicon) -> None:
    regional = lexicon.canonical("DREETS")
    for name in ("DIRECCTE", "DIECCTE", "DRIEETS", "DRJSCS", "direction régionale"):
        assert lexicon.canonical(name) == regional, name
    departmental = lexicon.canonical("UD")
    for name in ("DDETS", "DDCS", "UT", "unité territoriale", "unité départementale"):
        assert lexicon.canonical(name) == departmental, name
    assert lexicon.canonical("DEETS") == [*departmental, *lexicon.canonical("DROM")]
