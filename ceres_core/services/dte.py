"""DTE orders: ordering (R-DTE-1, R-DTE-2, R-DTE-8), acknowledgements (R-DTE-3),
status with the timeline (R-DTE-4/5/7), cancellation by the GEV (R-SES-5).

Readings (documented choices):

* R-DTE-1: the order deadline comes from :func:`ceres_core.dte_timeline.order_deadline`
  (the day before the same date three months earlier). It is enforced when
  ``core.rules.delay_constraints`` is ``enforced`` (the default); otherwise a late order is accepted with a
  warning in the view. An order is always refused once the session has started, when
  the title's DTE edition is not in effect yet, and when the agrément is not in force
  on the order date (granted later, or already ended).
* R-DTE-2: every field is required but the comment (0 candidates allowed). The RS of
  kind *titulaire*/*suppléant* must be the person named on the agrément (the name may
  be left empty: it is taken from the agrément); anyone else is ordered as "personne ne
  figurant pas sur l'agrément" (001). E-mail: a conservative pattern. Phone: French
  numbers, national (10 digits) or international (+33, and the overseas codes +262,
  +590, +594, +596, +508, +681, +687, +689). Postal address: a street part, then a
  5-digit postal code and a commune.
* R-DTE-7: we do not record deliveries. ``should_contact_gev`` is set from two weeks
  before the start while the GEV has not acknowledged the preparation; once prepared,
  the view still advises contacting the GEV if the packages have not arrived.
* CCS sessions have a CCP-like DTE ("DTE CCP/CCS", 003): their timeline is a CCP's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import object_session

from ceres_core import dte_timeline as timeline_mod
from ceres_core import rules as domain_rules
from ceres_core.access import load_actor, require_role, require_site
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    AckKind,
    DteAcknowledgement,
    DteOrder,
    ExamSession,
    Role,
    RsKind,
    SessionKind,
    SessionState,
    User,
)
from ceres_core.services._operation import audit, operation
from ceres_core.services.sessions import (
    CENTRE_ROLES,
    DTE_STATUS_LABELS,
    dte_status_code,
    fr_date,
    gev_email,
    load_session,
    next_deadline,
    packages_to_destroy,
    require_view,
    session_view,
)
from ceres_core.settings import Rules
from ceres_core.values import (  # the contact fields' checks, shared with candidate records
    is_valid_email,
    normalize_phone,
    postal_code_and_commune,
    strip_accents,
)

#: Who acknowledges and cancels orders: GEV operators (national), admin.
GEV_ROLES = (Role.GEV, Role.ADMIN)

RS_KIND_LABELS: dict[RsKind, str] = {
    RsKind.TITULAIRE: "RS titulaire",
    RsKind.SUPPLEANT: "RS suppléant",
    RsKind.AUTRE: "personne ne figurant pas sur l'agrément",
}
ACK_LABELS: dict[AckKind, str] = {
    AckKind.RECEPTION: "accusé de réception : prise en compte de la demande",
    AckKind.PREPARATION: "accusé de préparation de la commande (liens dématérialisés)",
}
MAX_CANDIDATES = 999

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


# -- field validation (R-DTE-2) ----------------------------------------------------------


def _fold(text: str) -> str:
    return " ".join(strip_accents(text).lower().split())


def asks_final_interview_grid(comment: str | None) -> bool:
    """R-DTE-8: whether the comment asks for the final-interview grid."""
    folded = _fold(comment or "")
    return "grille" in folded and "entretien" in folded


def final_interview_grid_note() -> str:
    """R-DTE-8: how to get the final-interview grid for a TP obtained by capitalising CCPs."""
    return (
        "Pour un titre obtenu par capitalisation de CCP, commandez le DTE CCP dans CERES et "
        "écrivez dans la zone « commentaire » la demande d'envoi de la grille d'entretien "
        "final du DTE du titre visé : le DTE CCP est envoyé par l'automate et la grille "
        "d'entretien final par l'équipe GEV (R-DTE-8)."
    )


def parse_rs_kind(value: RsKind | str) -> RsKind:
    folded = _fold(str(value or ""))
    aliases = {
        "titulaire": RsKind.TITULAIRE,
        "rs titulaire": RsKind.TITULAIRE,
        "suppleant": RsKind.SUPPLEANT,
        "rs suppleant": RsKind.SUPPLEANT,
        "autre": RsKind.AUTRE,
        _fold(RS_KIND_LABELS[RsKind.AUTRE]): RsKind.AUTRE,
    }
    if folded in aliases:
        return aliases[folded]
    raise RuleViolation(
        "R-DTE-2",
        f"Le responsable de session « {value} » n'est pas reconnu : choisissez RS titulaire, "
        "RS suppléant ou « personne ne figurant pas sur l'agrément ».",
    )


def ack_kinds() -> list[tuple[str, str]]:
    """The kinds of GEV acknowledgement, in order, with their French labels (R-DTE-3)."""
    return [(kind.value, ACK_LABELS[kind]) for kind in AckKind]


def parse_ack_kind(value: AckKind | str) -> AckKind:
    folded = _fold(str(value or ""))
    for kind in AckKind:
        if folded == kind.value:
            return kind
    raise InvalidInput(
        f"Le type d'accusé « {value} » est inconnu : indiquez « reception » ou « preparation »."
    )


def _parse_count(value: int | str | None) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# -- views --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AcknowledgementView:
    kind: str
    label: str
    at: datetime
    links: tuple[str, ...]


@dataclass(frozen=True)
class DteOrderView:
    """A DTE order as front ends show it."""

    session_ref: str
    session_kind: str
    session_start: date
    ordered_at: datetime
    ordered_by: str
    candidates_count: int
    rs_kind: str
    rs_kind_label: str
    rs_name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    delivery_address: str
    comment: str | None
    order_deadline: date
    late: bool
    final_interview_grid_requested: bool
    gev_email: str
    cancelled_at: datetime | None
    acknowledgements: tuple[AcknowledgementView, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DteStatusView:
    """Where the DTE of a session stands, with its timeline (R-DTE-1..7)."""

    session_ref: str
    session_kind: str
    session_state_label: str
    session_start: date
    status: str
    status_label: str
    ordered: bool
    received: bool
    prepared: bool
    cancelled: bool
    order: DteOrderView | None
    order_deadline: date
    can_still_order: bool
    days_left_to_order: int
    chase_gev_from: date
    should_contact_gev: bool
    gev_email: str
    timeline: timeline_mod.DteTimeline | None
    timeline_text: str
    advice: tuple[str, ...]


@dataclass(frozen=True)
class DteCancellationView:
    session_ref: str
    cancelled_at: datetime
    packages_to_destroy: bool
    message: str


def _ack_views(order: DteOrder) -> tuple[AcknowledgementView, ...]:
    rank = {AckKind.RECEPTION: 0, AckKind.PREPARATION: 1}
    acks = sorted(order.acknowledgements, key=lambda a: (a.at, rank[a.kind]))
    return tuple(
        AcknowledgementView(a.kind.value, ACK_LABELS[a.kind], a.at, tuple(a.links or ()))
        for a in acks
    )


def _user_name(order: DteOrder) -> str:
    db = object_session(order)
    user = db.get(User, order.ordered_by_id) if db is not None else None
    return user.display_name if user else ""


def order_view(order: DteOrder, notes: Iterable[str] = ()) -> DteOrderView:
    """Freeze an order into a :class:`DteOrderView` (inside the transaction)."""
    session = order.session
    deadline = timeline_mod.order_deadline(session.start_date)
    return DteOrderView(
        session_ref=session.ref,
        session_kind=session.kind.value,
        session_start=session.start_date,
        ordered_at=order.ordered_at,
        ordered_by=_user_name(order),
        candidates_count=order.candidates_count,
        rs_kind=order.rs_kind.value,
        rs_kind_label=RS_KIND_LABELS[order.rs_kind],
        rs_name=order.rs_name,
        contact_name=order.contact_name,
        contact_phone=order.contact_phone,
        contact_email=order.contact_email,
        delivery_address=order.delivery_address,
        comment=order.comment,
        order_deadline=deadline,
        late=order.ordered_at.date() > deadline,
        final_interview_grid_requested=(
            session.kind is not SessionKind.TP and asks_final_interview_grid(order.comment)
        ),
        gev_email=gev_email(session),
        cancelled_at=order.cancelled_at,
        acknowledgements=_ack_views(order),
        notes=tuple(notes),
    )


# -- timeline -----------------------------------------------------------------------------


def timeline_kind(session: ExamSession) -> timeline_mod.DteKind:
    """TP for a title session; CCP for a CCP or CCS session (003: "DTE CCP/CCS")."""
    return timeline_mod.DteKind.TP if session.kind is SessionKind.TP else timeline_mod.DteKind.CCP


def session_timeline(
    session: ExamSession, rules: Rules, ordered_at: datetime | None = None
) -> timeline_mod.DteTimeline:
    """The DTE timeline of a session, in its département's calendar (R-DTE-1..7)."""
    kind = timeline_kind(session)
    try:
        return timeline_mod.dte_timeline(
            kind, session.start_date, session.site.departement_code,
            rules=rules, ordered_at=ordered_at,
        )
    except InvalidInput:  # a département unknown to the geography: national calendar
        return timeline_mod.dte_timeline(
            kind, session.start_date, None, rules=rules, ordered_at=ordered_at
        )


# -- ordering (R-DTE-1, R-DTE-2, R-DTE-8) -----------------------------------------------------


def _check_order_timing(session: ExamSession, today: date, rules: Rules) -> tuple[date, bool]:
    """R-DTE-1; returns ``(deadline, late)`` (late only when the deadline is not enforced)."""
    if session.state is SessionState.ANNULEE:
        raise RuleViolation(
            "R-DTE-1", f"La session {session.ref} est annulée : son DTE ne peut pas être commandé."
        )
    if today >= session.start_date:
        raise RuleViolation(
            "R-DTE-1",
            f"La session {session.ref} a commencé le {fr_date(session.start_date)} : le DTE se "
            "commande avant la date de la session.",
        )
    title = session.title
    if title.dte_edition_from is None or title.dte_edition_from > today:
        when = (
            f"le {fr_date(title.dte_edition_from)}"
            if title.dte_edition_from
            else "à une date non encore connue"
        )
        raise RuleViolation(
            "R-DTE-1",
            f"Le millésime du DTE du titre {title.code} n'est pas encore en vigueur (il le sera "
            f"{when}) : la commande n'est possible qu'à partir de sa date d'effet.",
        )
    agrement = session.agrement
    if agrement.granted_on > today:
        raise RuleViolation(
            "R-DTE-1",
            f"L'agrément du site pour le titre {title.code} ne prend effet que le "
            f"{fr_date(agrement.granted_on)} : le DTE ne peut être commandé qu'une fois "
            "l'agrément obtenu.",
        )
    if agrement.ends_on < today:
        raise RuleViolation(
            "R-DTE-1",
            f"L'agrément du site pour le titre {title.code} a pris fin le "
            f"{fr_date(agrement.ends_on)} : le DTE ne peut plus être commandé pour cette session.",
        )
    deadline = timeline_mod.order_deadline(session.start_date)
    decision = domain_rules.delay_decision(today, deadline, rules)
    late = decision is not domain_rules.DelayDecision.ON_TIME
    if decision is domain_rules.DelayDecision.REFUSE:
        raise RuleViolation(
            "R-DTE-1",
            f"Le DTE de la session du {fr_date(session.start_date)} devait être commandé au plus "
            f"tard le {fr_date(deadline)} (3 mois + 1 jour avant la date de session) : ce délai "
            "est dépassé. Contactez la GEV par courriel "
            f"({gev_email(session)}) pour voir ce qui reste possible.",
            deadline=deadline.isoformat(),
        )
    return deadline, late


def _check_fields(
    session: ExamSession,
    *,
    candidates_count: int | str | None,
    rs_kind: RsKind | str | None,
    rs_name: str | None,
    contact_name: str | None,
    contact_phone: str | None,
    contact_email: str | None,
    delivery_address: str | None,
) -> dict[str, object]:
    """R-DTE-2: every field required but the comment; returns the cleaned values."""
    missing = []
    if candidates_count is None or (isinstance(candidates_count, str) and not candidates_count.strip()):
        missing.append("le nombre de candidats")
    if not str(rs_kind or "").strip():
        missing.append("le responsable de session (RS)")
    for value, label in (
        (contact_name, "le nom du contact"),
        (contact_phone, "le téléphone du centre"),
        (contact_email, "l'adresse e-mail"),
        (delivery_address, "l'adresse postale de livraison"),
    ):
        if not (value or "").strip():
            missing.append(label)
    if missing:
        raise RuleViolation(
            "R-DTE-2",
            "Tous les champs de la demande de DTE doivent être complétés (seul le commentaire "
            "est facultatif) ; il manque : " + ", ".join(missing) + ".",
        )
    count = _parse_count(candidates_count)
    if count is None or not 0 <= count <= MAX_CANDIDATES:
        raise RuleViolation(
            "R-DTE-2",
            f"Le nombre de candidats « {candidates_count} » n'est pas valable : indiquez un "
            f"nombre entier entre 0 et {MAX_CANDIDATES}.",
        )
    kind = parse_rs_kind(rs_kind)  # type: ignore[arg-type]
    name = " ".join((rs_name or "").split())
    agrement = session.agrement
    if kind is not RsKind.AUTRE:
        on_agrement = agrement.rs_titular if kind is RsKind.TITULAIRE else agrement.rs_substitute
        if not on_agrement:
            raise RuleViolation(
                "R-DTE-2",
                f"L'agrément ne désigne pas de {RS_KIND_LABELS[kind]} : choisissez « personne ne "
                "figurant pas sur l'agrément » et indiquez son nom.",
            )
        if name and _fold(name) != _fold(on_agrement):
            raise RuleViolation(
                "R-DTE-2",
                f"Le {RS_KIND_LABELS[kind]} de l'agrément est {on_agrement}, pas {name} : si les "
                "informations de l'agrément ne sont pas correctes, choisissez « personne ne "
                "figurant pas sur l'agrément » et complétez les éléments.",
            )
        name = on_agrement
    elif not name:
        raise RuleViolation(
            "R-DTE-2",
            "Indiquez le nom du responsable de session qui ne figure pas sur l'agrément.",
        )
    email = (contact_email or "").strip()
    if not is_valid_email(email):
        raise RuleViolation(
            "R-DTE-2",
            f"L'adresse e-mail « {email} » n'est pas valable : vérifiez-la (par exemple "
            "examen@centre.fr), c'est à elle que la GEV envoie les accusés et les liens.",
        )
    phone = (contact_phone or "").strip()
    if normalize_phone(phone) is None:
        raise RuleViolation(
            "R-DTE-2",
            f"Le numéro de téléphone « {phone} » n'est pas un numéro français valable (par "
            "exemple 01 23 45 67 89, 0262 12 34 56 ou +262 262 12 34 56).",
        )
    address = " ".join((delivery_address or "").split())
    if postal_code_and_commune(address) is None:
        raise RuleViolation(
            "R-DTE-2",
            f"L'adresse postale « {address} » est incomplète : indiquez le numéro et la rue, "
            "puis le code postal à 5 chiffres et la commune (par exemple « 12 rue de la "
            "Roquette, 75011 Paris »).",
        )
    return {
        "candidates_count": count,
        "rs_kind": kind,
        "rs_name": name,
        "contact_name": " ".join((contact_name or "").split()),
        "contact_phone": phone,
        "contact_email": email,
        "delivery_address": address,
    }


@operation("dte.order")
def order_dte(
    core: Core,
    actor: str,
    session_ref: str,
    *,
    candidates_count: int | str | None,
    rs_kind: RsKind | str | None,
    rs_name: str | None,
    contact_name: str | None,
    contact_phone: str | None,
    contact_email: str | None,
    delivery_address: str | None,
    comment: str | None = None,
) -> DteOrderView:
    """Order the DTE of a session (R-DTE-1 timing, R-DTE-2 fields, R-DTE-8 grid note)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, session_ref)
        require_site(user, session.site, CENTRE_ROLES, "commander le DTE de cette session")
        if session.dte_order is not None:
            raise RuleViolation(
                "R-DTE-2",
                f"Le DTE de la session {session.ref} a déjà été commandé le "
                f"{fr_date(session.dte_order.ordered_at)} : une seule commande par session. "
                f"Pour la modifier, contactez la GEV ({gev_email(session)}).",
            )
        today = core.clock.today()
        deadline, late = _check_order_timing(session, today, core.rules)
        fields = _check_fields(
            session,
            candidates_count=candidates_count,
            rs_kind=rs_kind,
            rs_name=rs_name,
            contact_name=contact_name,
            contact_phone=contact_phone,
            contact_email=contact_email,
            delivery_address=delivery_address,
        )
        comment = (comment or "").strip() or None
        order = DteOrder(
            session=session,
            ordered_at=core.clock.now(),
            ordered_by_id=user.id,
            comment=comment,
            **fields,
        )
        db.add(order)
        ref, email = session.ref, gev_email(session)  # the objects expire if the flush fails
        try:
            db.flush()
        except IntegrityError:  # dte_orders.session_id is unique: ordered concurrently
            raise RuleViolation(
                "R-DTE-2",
                f"Le DTE de la session {ref} vient d'être commandé par un autre utilisateur : "
                f"une seule commande par session. Pour la modifier, contactez la GEV ({email}).",
            ) from None
        notes = []
        if late:
            notes.append(
                f"Commande passée après la date limite du {fr_date(deadline)} (R-DTE-1) : "
                "vérifiez auprès de la GEV que le DTE pourra arriver à temps."
            )
        if asks_final_interview_grid(comment):
            if session.kind is SessionKind.TP:
                notes.append(
                    "La grille d'entretien final se demande en commentaire d'une commande de "
                    "DTE CCP, pour un titre obtenu par capitalisation de CCP (R-DTE-8)."
                )
            else:
                notes.append(
                    "Demande de grille d'entretien final notée : le DTE CCP sera envoyé par "
                    "l'automate et la grille d'entretien final par l'équipe GEV (R-DTE-8)."
                )
        audit(db, core, user, "dte.order", session, candidates=fields["candidates_count"],
              late=late, grid=asks_final_interview_grid(comment))
        return order_view(order, notes)


# -- acknowledgements (R-DTE-3) ---------------------------------------------------------------


@operation("dte.acknowledge")
def acknowledge_dte(
    core: Core,
    actor: str,
    session_ref: str,
    kind: AckKind | str,
    *,
    links: Iterable[str] | None = None,
) -> DteStatusView:
    """The GEV acknowledges an order: receipt, then preparation with the links (R-DTE-3)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, GEV_ROLES, "enregistrer les accusés de la GEV")
        session = load_session(db, session_ref)
        kind = parse_ack_kind(kind)
        order = session.dte_order
        if order is None:
            raise RuleViolation(
                "R-DTE-3", f"Aucune commande de DTE n'a été passée pour la session {session.ref}."
            )
        if order.cancelled_at is not None:
            raise RuleViolation(
                "R-DTE-3",
                f"La commande de DTE de la session {session.ref} a été annulée le "
                f"{fr_date(order.cancelled_at)} : aucun accusé ne peut plus être enregistré.",
            )
        done = {a.kind for a in order.acknowledgements}
        clean_links = tuple(str(x).strip() for x in (links or ()) if str(x).strip())
        if kind in done:
            raise RuleViolation(
                "R-DTE-3",
                f"L'{ACK_LABELS[kind]} a déjà été enregistré pour la session {session.ref}.",
            )
        if kind is AckKind.RECEPTION:
            if clean_links:
                raise InvalidInput(
                    "L'accusé de réception ne porte pas de liens : les liens accompagnent "
                    "l'accusé de préparation."
                )
        else:
            if AckKind.RECEPTION not in done:
                raise RuleViolation(
                    "R-DTE-3",
                    "L'accusé de préparation suit l'accusé de réception : enregistrez d'abord "
                    f"la prise en compte de la demande de la session {session.ref}.",
                )
            if not clean_links:
                raise RuleViolation(
                    "R-DTE-3",
                    "L'accusé de préparation doit contenir les liens dématérialisés du DTE.",
                )
            bad = [u for u in clean_links if not _URL.match(u)]
            if bad:
                raise InvalidInput(f"Ce lien n'est pas une adresse web valable : « {bad[0]} ».")
        ack = DteAcknowledgement(
            order=order, kind=kind, at=core.clock.now(), links=list(clean_links) or None
        )
        db.add(ack)
        db.flush()
        audit(db, core, user, "dte.acknowledge", session, kind=kind.value,
              links=len(clean_links))
        return _status_view(session, core)


# -- status (R-DTE-1, R-DTE-4/5, R-DTE-7, R-DTE-9, R-ASS-4) -----------------------------------

#: R-ASS-4 (003, "Vérifier dans les courriers indésirables"): before reporting a missing
#: acknowledgement or link.
SPAM_FOLDER_ADVICE = (
    "La GEV n'a pas encore accusé réception de la commande : vérifiez d'abord vos "
    "courriers indésirables (spam) avant de la signaler manquante (R-ASS-4)."
)
#: R-DTE-9 (003): once the exam is over.
DTE_DESTRUCTION_ADVICE = (
    "La session est terminée : détruisez les éléments du DTE, utilisés et non utilisés, "
    "et respectez les délais de confidentialité de chaque partie (organisateur, jury, "
    "candidat) (R-DTE-9)."
)


def _status_view(session: ExamSession, core: Core) -> DteStatusView:
    today = core.clock.today()
    order = session.dte_order
    live = order is not None and order.cancelled_at is None
    kinds = {a.kind for a in order.acknowledgements} if order else set()
    prepared = AckKind.PREPARATION in kinds
    window = timeline_mod.order_window(session.start_date, core.clock)
    timeline = session_timeline(session, core.rules, order.ordered_at if order else None)
    email = gev_email(session)
    chase_from = timeline.chase_gev_from
    in_chase_window = chase_from <= today <= session.start_date
    should_contact = live and in_chase_window and not prepared
    # R-DTE-1: "can still order" is the order's own timing check, not a copy of it.
    refusal: RuleViolation | None = None
    if order is None:
        try:
            _check_order_timing(session, today, core.rules)
        except RuleViolation as exc:
            refusal = exc
    can_order = order is None and refusal is None
    advice: list[str] = []
    if order is None and session.state is not SessionState.ANNULEE:
        if today >= session.start_date:
            advice.append("La session a commencé : le DTE ne peut plus être commandé.")
        elif refusal is not None and "deadline" not in refusal.details:
            advice.append(refusal.message)  # millésime not in effect, agrément not in force
        else:
            advice.append(window.message_fr())
    elif order is not None and not live:
        advice.append(f"La commande a été annulée le {fr_date(order.cancelled_at)}.")
    elif live and today > session.end_date:
        advice.append(DTE_DESTRUCTION_ADVICE)
    elif live:
        if AckKind.RECEPTION not in kinds:
            advice.append(SPAM_FOLDER_ADVICE)
        if should_contact:
            advice.append(
                f"La session commence le {fr_date(session.start_date)} et le DTE n'a pas été "
                f"préparé : contactez la GEV ({email}) (R-DTE-7)."
            )
        elif in_chase_window:
            advice.append(
                "Si les plis d'examen ne vous sont pas parvenus, contactez la GEV "
                f"({email}) (R-DTE-7)."
            )
    code = dte_status_code(order)
    return DteStatusView(
        session_ref=session.ref,
        session_kind=session.kind.value,
        session_state_label=session.state_label,
        session_start=session.start_date,
        status=code,
        status_label=DTE_STATUS_LABELS[code],
        ordered=order is not None,
        received=AckKind.RECEPTION in kinds,
        prepared=prepared,
        cancelled=order is not None and not live,
        order=order_view(order) if order is not None else None,
        order_deadline=window.deadline,
        can_still_order=can_order,
        days_left_to_order=window.days_left,
        chase_gev_from=chase_from,
        should_contact_gev=should_contact,
        gev_email=email,
        timeline=timeline,
        timeline_text=timeline_mod.render_timeline_fr(timeline),
        advice=tuple(advice),
    )


@operation("dte.status")
def dte_status(core: Core, actor: str, session_ref: str) -> DteStatusView:
    """Where the DTE of a session stands: order, acknowledgements, timeline, advice."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, session_ref)
        require_view(user, session.site, "consulter le DTE de cette session")
        return _status_view(session, core)


@dataclass(frozen=True)
class OrderContactDefaults:
    """The ordering account's own values for the order's contact fields (R-DTE-2), offered
    as one-press choices; ``None`` where the account holds none (it holds no phone)."""

    contact_name: str | None
    contact_email: str | None
    contact_phone: str | None = None


#: A display name's trailing organisation, « Sophie Bernard (Formapro Paris) »: not a name.
_NAME_SUFFIX = re.compile(r"\s*\([^()]*\)\s*$")


def order_contact_defaults(core: Core, actor: str) -> OrderContactDefaults:
    """The actor's own name and e-mail, to prefill the DTE order's contact (R-DTE-2); an
    e-mail the order would refuse is not offered."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        name = _NAME_SUFFIX.sub("", user.display_name or "").strip() or None
        email = (user.email or "").strip() or None
        return OrderContactDefaults(name, email if email and is_valid_email(email) else None)


@operation("dte.status")
def next_session_date(
    core: Core, actor: str, session_ref: str
) -> timeline_mod.NextDeadline | None:
    """One line for a session card: an overdue action first
    (:func:`ceres_core.services.sessions.next_deadline`: R-SES-6, R-DTE-1, R-CON-2), else
    the earliest of the next action due and the next date of the session's DTE timeline
    once the DTE is ordered (:func:`ceres_core.dte_timeline.next_timeline_date`: R-DTE-4,
    R-DTE-5, R-DTE-7); for a validated session with nothing else due, the print requests
    still to send (R-PRT-2); ``None`` when nothing is left (cancelled, all sent, past)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, session_ref)
        require_view(user, session.site, "consulter cette session")
        view = session_view(session)
        action = next_deadline(core, view)
        if action is not None and action.overdue:
            return action
        today = core.clock.today()
        order = session.dte_order
        step = None
        if (order is not None and order.cancelled_at is None
                and session.state is not SessionState.ANNULEE and session.start_date >= today):
            timeline = session_timeline(session, core.rules, ordered_at=order.ordered_at)
            step = timeline_mod.next_timeline_date(timeline, today)
        dated = [d for d in (action, step) if d is not None]
        if dated:
            return min(dated, key=lambda d: d.due or today)
        return _prints_pending(session)


def _prints_pending(session: ExamSession) -> timeline_mod.NextDeadline | None:
    """A validated session waits for its print requests (R-PRT-2): how many, no date."""
    from ceres_core.services.printing import prints_to_send
    from ceres_core.values import plural

    count = prints_to_send(session)
    if not count:
        return None
    return timeline_mod.NextDeadline(
        "R-PRT-2", f"Envoyer pour impression les documents de {plural(count, 'candidat')}",
        None, False)


# -- cancellation by the GEV (R-SES-5) ---------------------------------------------------------


@operation("dte.cancel")
def cancel_dte_order(
    core: Core, actor: str, session_ref: str, reason: str | None = None
) -> DteCancellationView:
    """The GEV cancels the DTE order of a cancelled session (R-SES-5).

    The view says whether the centre must destroy the packages (they were prepared
    and sent, :func:`~ceres_core.services.sessions.packages_to_destroy`).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, GEV_ROLES, "annuler une commande de DTE")
        session = load_session(db, session_ref)
        order = session.dte_order
        if order is None:
            raise NotFound(f"Aucune commande de DTE n'a été passée pour la session {session.ref}.")
        if order.cancelled_at is not None:
            raise RuleViolation(
                "R-SES-5",
                f"La commande de DTE de la session {session.ref} est déjà annulée depuis le "
                f"{fr_date(order.cancelled_at)}.",
            )
        if session.state is not SessionState.ANNULEE:
            raise RuleViolation(
                "R-SES-5",
                f"La session {session.ref} n'est pas annulée (« {session.state_label} ») : la "
                "GEV annule la commande de DTE une fois la session annulée dans CERES (par le "
                "centre, ou par la DREETS/DDETS si elle était validée).",
            )
        order.cancelled_at = core.clock.now()
        destroy = packages_to_destroy(order)
        message = (
            "Commande de DTE annulée. Les plis ont été envoyés : le centre doit les détruire."
            if destroy
            else "Commande de DTE annulée. Les plis n'avaient pas été envoyés."
        )
        audit(db, core, user, "dte.cancel", session, destroy=destroy,
              reason=(reason or "").strip() or None)
        return DteCancellationView(
            session_ref=session.ref,
            cancelled_at=order.cancelled_at,
            packages_to_destroy=destroy,
            message=message,
        )
