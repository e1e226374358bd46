"""Dialogues from the second new-user trial (issue 8), on the demo data, end to end: a
picker offers only the values its step accepts, and a refused pick offers the others
again instead of a dead end."""

from __future__ import annotations

import pytest

from tests.e2e.harness import BotHarness, linked, plain

pytestmark = pytest.mark.e2e

TP = "TITRE_B_2026_470405"  # validated, UD de Paris; Youssef MARIACH1 has a digit in his name
TP_FUTURE = "TITRE_B_2027_470401"  # Formapro Paris, Ouvrier du paysage, in preparation


async def test_juror_picker_offers_only_jurors_habilitated_for_the_session(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/designer_jure {TP_FUTURE}")
    labels = reply.labels()
    # R-JUR-1: Sandrine Blanc has no active habilitation on Ouvrier du paysage
    assert any("Olivier Lambert" in label for label in labels)
    assert not any("Sandrine Blanc" in label for label in labels)
    reply = await chat.click(reply, "Olivier Lambert")
    assert "Désigner M. Olivier Lambert comme juré" in plain(reply.text)


async def test_refused_candidate_pick_offers_the_other_candidates_again(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression_candidat {TP}")
    reply = await chat.click(reply, "MARIACH1")
    text = plain(reply.text)
    assert "MARIACH1" in text and "(R-PRT-3)" in text
    assert "choisissez une autre valeur ci-dessous" in text
    labels = reply.labels()
    assert not any("MARIACH1" in label for label in labels)  # the refused one is not offered
    reply = await chat.click(reply, "Aïssatou Diallo")
    assert "Envoyer pour impression les documents" in plain(reply.text)


async def test_habilitation_picker_skips_jurors_without_actionable_habilitation_and_names_them(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    reply = await chat.ask("/habilitation")
    labels = reply.labels()
    assert any("Mathieu Faure" in label for label in labels)
    assert not any("Monique Chevalier" in label for label in labels)
    reply = await chat.ask("Chevalier")  # typed anyway: refused with her name, not a number
    text = plain(reply.text)
    assert "Aucune habilitation de Mme Monique Chevalier" in text or \
        "Aucune habilitation de Monique Chevalier" in text
    assert any("Mathieu Faure" in label for label in reply.labels())


async def test_gev_is_not_offered_an_acknowledgement_already_recorded(harness: BotHarness, demo):
    from ceres_core.services.dte import acknowledge_dte, order_dte

    order_dte(demo, "centre.formapro", TP_FUTURE, candidates_count=1, rs_kind="titulaire",
              rs_name=None, contact_name="Sophie Bernard", contact_phone="01 23 45 67 89",
              contact_email="s.bernard@formapro.fr",
              delivery_address="12 rue de la Roquette, 75011 Paris")
    acknowledge_dte(demo, "gev", TP_FUTURE, "reception")
    chat = await linked(harness, demo, "gev")
    reply = await chat.ask(f"/accuse_dte {TP_FUTURE}")
    labels = reply.labels()
    assert any("Accusé de préparation" in label for label in labels)
    assert not any("Accusé de réception" in label for label in labels)  # R-DTE-3: recorded


async def test_registering_an_unknown_candidate_offers_to_create_the_record_then_register_it(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/inscrire {TP_FUTURE}")
    reply = await chat.ask("Léa Fontaine")
    assert "Aucun candidat ne correspond à « Léa Fontaine »" in plain(reply.text)
    reply = await chat.click(reply, "Créer sa fiche candidat")
    assert "nom de naissance" in reply.text
    for typed in ("Fontaine", "Léa", "03/05/1999"):
        reply = await chat.ask(typed)
    reply = await chat.click(reply, "Madame")
    reply = await chat.click(reply, "France")
    assert "né(e)" not in " ".join(reply.labels())
    reply = await chat.ask("Lyon")
    reply = await chat.ask("69003")
    reply = await chat.click(reply, "Adresse inconnue")
    reply = await chat.click(reply, "Pas d'adresse e-mail")
    recap = await chat.click(reply, "Pas de téléphone")
    assert "Créer la fiche candidat de Madame Léa Fontaine" in plain(recap.text)
    done = await chat.click(recap, "Confirmer")
    assert "Fiche créée" in plain(done.text)
    # The session it was created for comes first among the registrations offered.
    assert done.labels()[0].startswith(f"➕ Inscrire : {TP_FUTURE}")
    recap = await chat.click(done, f"Inscrire : {TP_FUTURE}")
    done = await chat.click(recap, "Confirmer")
    assert "est inscrite à la session" in plain(done.text)


async def test_duplicate_recap_lists_the_attested_data_and_the_documents(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await chat.ask("/duplicata")
    recap = await chat.ask("C260000006")  # Marie-Hélène Dupont, admitted, already sent
    text = plain(recap.text)
    assert "Demander un duplicata de l'ensemble des documents de Marie-Hélène Dupont" in text
    assert "Données à vérifier" in text
    assert "née le 12/04/1985" in text and "résultat : admis" in text
    assert "Diplôme du titre professionnel Ouvrier du paysage" in text
    assert "Livret de certification" in text


async def test_print_recap_elides_de_before_a_vowel(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression_candidat {TP}")
    recap = await chat.click(reply, "Aïssatou Diallo")
    text = plain(recap.text)
    assert "les documents d'Aïssatou Diallo (n° C260000003)" in text
    assert "de Aïssatou" not in text


def _session_to_enter(core) -> tuple[str, str]:
    """A TP session of Formapro whose results may be entered (or corrected) now, and one of
    its candidates."""
    from ceres_core.errors import CeresError
    from ceres_core.services.results import results_entry
    from ceres_core.services.sessions import get_session, list_sessions

    for s in list_sessions(core, "centre.formapro", limit=200):
        try:
            entry = results_entry(core, "centre.formapro", s.ref)
        except CeresError:
            continue
        registrations = get_session(core, "centre.formapro", s.ref).registrations
        if entry.kind == "TP" and registrations and len(entry.ccps) > 1:
            return s.ref, registrations[0].ceres_id
    raise AssertionError("no session of the demo is open for results")


async def test_centre_enters_a_partial_result_in_the_chat_then_is_offered_the_closure(
        harness: BotHarness, demo):
    from ceres_core.services.results import results_entry

    ref, ceres_id = _session_to_enter(demo)
    ccp = results_entry(demo, "centre.formapro", ref).ccps[0][0]
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/resultats {ref} {ceres_id}")
    assert reply.text == "Présence du candidat à l'examen ?"
    reply = await chat.click(reply, "Présent")
    # R-RES-1: « partiellement admis » is offered for a TP session.
    assert {"Admis", "Partiellement admis", "Refusé"} <= set(reply.labels())
    reply = await chat.click(reply, "Partiellement admis")
    reply = await chat.ask("CCP-99999-9")  # not a CCP of the title: refused at the step
    assert "n'appartient pas au titre" in plain(reply.text)
    reply = await chat.click(reply, ccp)
    recap = await chat.click(reply, "Aucun commentaire")
    text = plain(recap.text)
    assert f"Résultat : partiellement admis (CCP obtenus : {ccp})" in text
    done = await chat.click(recap, "Confirmer")
    assert "✅ Saisie enregistrée" in plain(done.text)
    from ceres_core.services.sessions import get_session

    line = next(r for r in get_session(demo, "centre.formapro", ref).registrations
                if r.ceres_id == ceres_id)
    assert line.result == "partiellement_admis" and ccp in line.ccps_obtained


async def test_results_are_refused_for_a_session_in_preparation_at_the_first_step(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    await chat.send(f"/resultats {TP_FUTURE}")
    refused, asked = await chat.replies(2)
    assert "(R-RES-1)" in refused.text and "n'ont pas été éditées" in plain(refused.text)
    # the session is asked again, among those open for results only
    assert asked.text.startswith("Pour quelle session ?")
    assert not any(TP_FUTURE in label for label in asked.labels())


async def test_dreets_goes_from_the_registered_centre_to_the_transfer_and_the_activation_letter(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    await chat.ask("/centre S-930002")
    recap = await chat.ask("553 015 348 00012")
    done = await chat.click(recap, "Confirmer")
    assert "Centre enregistré dans CERES" in plain(done.text)
    # R-SITE-6: the site it was registered for, transferred from a button.
    recap = await chat.click(done, "Transférer le site S-930002 à ce centre")
    text = plain(recap.text)
    assert "Site : Institut des métiers du paysage – Montreuil (S-930002)" in text
    assert "INSTITUT DES METIERS DU PAYSAGE (55301534800012)" in text
    done = await chat.click(recap, "Confirmer")
    assert "n'a jamais reçu de code d'activation" in plain(done.text)
    # R-SITE-7: its activation letter, from a button too.
    await chat.press(done.button("Courrier d'activation du centre"), done.message_id)
    sent = await chat.collect(1)
    assert "Courrier d'activation du centre de SIRET 55301534800012" in str(sent[-1])


async def test_afpa_marks_a_pnd_notice_resent_from_the_list(harness: BotHarness, demo):
    from ceres_core.errors import CeresError
    from ceres_core.services.printing import record_pnd
    from ceres_core.services.sessions import get_session

    for r in get_session(demo, "ud75", TP).registrations:
        try:
            record_pnd(demo, "ud75", TP, r.ceres_id, new_address="8 avenue Gambetta",
                       new_postal_code="75020", new_city="Paris")
            break
        except CeresError:
            continue
    else:
        raise AssertionError("no PND possible in the demo")
    chat = await linked(harness, demo, "afpa")
    listing = await chat.ask("/avis_pnd")
    assert "8 avenue Gambetta" in plain(listing.text)
    recap = await chat.click(listing, "Renvoyé : n°")
    assert "Enregistrer que le courrier a été renvoyé" in plain(recap.text)
    done = await chat.click(recap, "Confirmer")
    assert "renvoyé par l'Afpa" in plain(done.text)


async def test_print_tracking_lists_the_sessions_behind_its_counts_as_cards(
        harness: BotHarness, demo):
    from ceres_core.services.tracking import print_tracking_list

    behind = [s.session_ref for which in ("none", "partial")
              for s in print_tracking_list(demo, "ud75", which).sessions]
    assert behind
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask("/suivi_impressions")
    for ref in behind:
        assert any(ref in label for label in reply.labels())
    card = await chat.click(reply, behind[0])
    assert plain(card.text).startswith(f"Session {behind[0]}")
    assert any("Envoyer pour impression" in label for label in card.labels())


async def test_after_one_print_the_next_candidate_is_a_button(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression_candidat {TP}")
    recap = await chat.click(reply, "Aïssatou Diallo")
    done = await chat.click(recap, "Confirmer")
    assert "Demande d'impression initiale transmise" in plain(done.text)
    nxt = [label for label in done.labels() if label.startswith("➡️ Candidat suivant : ")]
    assert nxt  # R-PRT-2: the next one to send, as CERES shows it
    # Here the next one is Youssef MARIACH1, whose name holds a digit: refused at once
    # (R-PRT-3), then the candidates are offered again.
    assert "MARIACH1" in nxt[0]
    await chat.press(done.button(nxt[0]), done.message_id)
    refused, asked = await chat.replies(2)
    assert refused.text.startswith("⛔") and "(R-PRT-3)" in refused.text
    assert asked.labels() and "Quel candidat" in asked.text


async def test_a_print_refused_for_invalid_data_offers_to_correct_the_record(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression_candidat {TP}")
    refused = await chat.click(reply, "MARIACH1")
    assert "(R-PRT-3)" in refused.text
    assert refused.labels()[0] == "✏️ Corriger la fiche du candidat"
    asked = await chat.click(refused, "Corriger la fiche du candidat")
    # the record's correction starts on that candidate: its field is asked
    assert any("Nom" in label for label in asked.labels())
    asked = await chat.click(asked, "Nom de naissance")
    recap = await chat.ask("MARIACH")
    # « de » is not elided before the « y » of Youssef
    assert "Corriger la fiche de Youssef MARIACH1" in plain(recap.text)


async def test_a_print_already_sent_offers_a_duplicate(harness: BotHarness, demo):
    from ceres_core.services.printing import documents_preview

    sent = [c for c in documents_preview(demo, "ud75", TP).candidates if not c.to_send]
    assert sent
    chat = await linked(harness, demo, "ud75")
    await chat.ask(f"/impression_candidat {TP}")
    refused = await chat.ask(sent[0].ceres_id)
    assert "(R-PRT-4)" in refused.text
    assert "📄 Demander un duplicata" in refused.labels()


async def test_afpa_list_warns_of_a_session_cancelled_after_its_print_request(
        harness: BotHarness, demo):
    from ceres_core.services.afpa import list_received_print_requests
    from ceres_core.services.sessions import cancel_session

    ref = list_received_print_requests(demo, "afpa")[0].session_ref
    cancel_session(demo, "ud75", ref, "Erreur de saisie")
    chat = await linked(harness, demo, "afpa")
    reply = await chat.ask("/impressions_recues")
    text = plain(reply.text)
    assert f"session {ref}" in text
    assert "Session annulée depuis la demande : n'envoyez pas ces documents (R-SES-5)" in text


async def test_question_typed_during_a_form_is_answered_and_the_form_stays_open(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/inscrire {TP_FUTURE}")
    prompt = plain(reply.text)
    # A question, not a candidate's name: answered, then the same step is asked again.
    await chat.send("comment je fais pour saisir les résultats de la session ?")
    answer, still_open, asked_again = await chat.replies(3)
    assert "résultat" in plain(answer.text).lower()
    assert "Votre saisie « Inscrire un candidat à une session » reste ouverte" in plain(
        still_open.text)
    assert plain(asked_again.text) == prompt
    # Small talk gets its reply, and the form asks again too.
    await chat.send("merci")
    thanks, still_open, asked_again = await chat.replies(3)
    assert "reste ouverte" in plain(still_open.text)
    assert plain(asked_again.text) == prompt
    # A name is still taken as a name.
    reply = await chat.ask("Diallo")
    assert "reste ouverte" not in plain(reply.text)
