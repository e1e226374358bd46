"""``ceres-assist tickets list|show|reply``: the helpdesk from the command line.

``list`` and ``show`` run as the server's operator (every queue) unless
``--staff LOGIN`` restricts them to that person's queues; ``reply`` always acts as
a named staff member.
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime

from bot.cli.database import help_handler, prepared_core
from ceres_core.clock import PARIS


def register(sub: argparse._SubParsersAction) -> None:
    tickets = sub.add_parser(
        "tickets",
        help="tickets du support (helpdesk)",
        description="Consulte les tickets du support et y répond.",
    )
    actions = tickets.add_subparsers(dest="tickets_command", metavar="ACTION")

    p = actions.add_parser(
        "list", help="liste les tickets",
        description="Liste les tickets (ouverts par défaut). Statuts : nouveau, « en cours », "
        "« en attente du demandeur », résolu, clos, ou « tous ».",
    )
    p.add_argument("--queue", "-q", metavar="FILE", help="une seule file (ex. gev-btp)")
    p.add_argument("--status", "-s", metavar="STATUT", help="statut (par défaut : les ouverts)")
    p.add_argument("--search", metavar="TEXTE", help="cherche dans l'objet, le numéro, le demandeur")
    p.add_argument("--staff", metavar="IDENTIFIANT", help="limite aux files de cet agent")
    p.add_argument("--limit", type=int, default=100, help="nombre maximum de lignes (100)")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(handler=_list)

    p = actions.add_parser("show", help="affiche un ticket (messages, notes, historique)")
    p.add_argument("ticket", metavar="NUMERO", help="numéro (T-2026-000123) ou identifiant")
    p.add_argument("--staff", metavar="IDENTIFIANT", help="consulte en tant que cet agent")
    p.add_argument("--json", action="store_true", help="sortie JSON")
    p.set_defaults(handler=_show)

    p = actions.add_parser("reply", help="répond au demandeur (ou ajoute une note interne)")
    p.add_argument("ticket", metavar="NUMERO")
    p.add_argument("--staff", required=True, metavar="IDENTIFIANT", help="agent qui répond")
    p.add_argument("--text", required=True, metavar="TEXTE", help="texte de la réponse")
    p.add_argument("--internal", action="store_true", help="note interne, non envoyée au demandeur")
    p.set_defaults(handler=_reply)
    tickets.set_defaults(handler=help_handler(tickets))


def _actor(args: argparse.Namespace):
    from tickets.services import OPERATOR

    return args.staff if getattr(args, "staff", None) else OPERATOR


def _when(value: datetime | None) -> str:
    return value.astimezone(PARIS).strftime("%d/%m/%Y %H:%M") if value else "–"


def _dump(data: object) -> None:
    from tickets.services import jsonable

    print(json.dumps(jsonable(data), ensure_ascii=False, indent=2))


def _list(args: argparse.Namespace) -> int:
    from tickets.services import list_tickets

    rows = list_tickets(prepared_core(args), _actor(args), queue=args.queue, status=args.status,
                        search=args.search, limit=args.limit)
    if args.json:
        _dump(rows)
        return 0
    if not rows:
        print("Aucun ticket.")
        return 0
    for t in rows:
        who = t.assignee or "non attribué"
        flags = " ⚠ demandeur injoignable" if t.requester_blocked else ""
        print(f"{t.number}  [{t.status_label}]  {t.queue}  {_when(t.created_at)}  "
              f"{t.requester_name} – {t.subject}  ({who}, priorité {t.priority}){flags}")
    print(f"{len(rows)} ticket(s).")
    return 0


def _show(args: argparse.Namespace) -> int:
    from tickets.services import get_ticket_detail
    from tickets.texts import EVENT_LABELS, event_value

    d = get_ticket_detail(prepared_core(args), _actor(args), args.ticket)
    if args.json:
        _dump(d)
        return 0
    t = d.ticket
    print(f"{t.number} – {t.subject}")
    print(f"Statut : {t.status_label} · priorité {t.priority} · file {t.queue_name} ({t.queue})")
    print(f"Demandeur : {t.requester_name}" + (f" (CERES : {d.requester_login})" if d.requester_login else ""))
    print(f"Attribué à : {t.assignee or 'personne'}"
          + (" · suivi par une personne" if t.handled_by_human else " · conversation avec l'assistant"))
    if t.requester_blocked:
        print("⚠ Le demandeur a bloqué l'assistant : il ne reçoit plus les réponses.")
    print(f"Orientation : {d.routing_explanation}")
    if d.parent_number:
        print(f"Suite de : {d.parent_number}")
    s = d.sla
    print(f"Créé le {_when(t.created_at)} · première réponse attendue : {_when(s.first_response_due)}"
          f" · résolution attendue : {_when(s.resolution_due)}" + (" (horloge en pause)" if s.paused else ""))
    ctx = d.context
    objects = [f"session {ctx['session_ref']}" if ctx.get("session_ref") else None,
               f"site {ctx['site_code']}" if ctx.get("site_code") else None,
               ("candidat(s) " + ", ".join(ctx["candidate_ids"])) if ctx.get("candidate_ids") else None,
               f"article {ctx['topic']}" if ctx.get("topic") else None,
               f"procédure {ctx.get('procedure')} (étape {ctx.get('procedure_step')})"
               if ctx.get("procedure") else None]
    objects = [o for o in objects if o]
    if objects:
        print("Contexte : " + " · ".join(objects))
    if ctx.get("transcript"):
        print("\nConversation avec l'assistant :")
        for entry in ctx["transcript"]:
            who = "Utilisateur" if entry.get("from") == "user" else "Assistant"
            print(f"  {who} : {entry.get('text', '')}")
    print("\nMessages :")
    for m in d.messages:
        kind = " [note interne]" if m.internal else ""
        print(f"  {_when(m.created_at)} {m.author}{kind} : {m.text}")
    if d.rating is not None:
        print(f"\nSatisfaction : {d.rating}/5" + (f" – {d.rating_comment}" if d.rating_comment else ""))
    print("\nHistorique :")
    for e in d.events:
        old, new = event_value(e.action, e.old), event_value(e.action, e.new)
        change = f"{old or '–'} → {new or '–'}" if (old or new) else ""
        detail = f" ({e.detail})" if e.detail else ""
        label = EVENT_LABELS.get(e.action, e.action)
        print(f"  {_when(e.at)} {e.actor} : {label} {change}{detail}".rstrip())
    return 0


def _reply(args: argparse.Namespace) -> int:
    from tickets.services import staff_reply

    result = staff_reply(prepared_core(args), args.staff, args.ticket, args.text, internal=args.internal)
    if args.internal:
        print(f"Note interne ajoutée au ticket {result.ticket.number}.")
    else:
        print(f"Réponse enregistrée sur le ticket {result.ticket.number} : elle sera envoyée "
              "au demandeur dans la conversation.")
    return 0
