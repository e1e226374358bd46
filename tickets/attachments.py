"""Attachments of tickets, both ways.

* From the requester: a photo or document sent in the chat (a screenshot of a CERES
  error, the scan of a returned envelope). The bot downloads it and calls
  :func:`add_requester_attachment`, which stores it with a message on the ticket
  (threaded and reopening like :func:`tickets.services.requester_message`).
* From staff: a file joined to a reply on the dashboard (:func:`staff_reply_with_file`);
  the delivery outbox sends it to the chat as a document (``Delivery.attachment_id``).

Files are checked by their content, not their name: PDF, JPEG, PNG, WebP, GIF and
plain text, at most :data:`MAX_BYTES`. They are stored outside the web root, in
``CERES_ATTACHMENTS_DIR`` (default ``ceres-attachments`` beside the working
directory), under a random name; the dashboard serves them only to staff of the
ticket's queue (:func:`open_attachment`), as downloads.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound
from tickets import texts
from tickets.access import get_ticket, load_staff, require_ticket_access
from tickets.models import Attachment

#: Largest file accepted (Telegram lets a bot download 20 MB; scans and screenshots fit).
MAX_BYTES = 10 * 1024 * 1024

#: Accepted types, recognised by their first bytes.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
)
ACCEPTED = "PDF, JPEG, PNG, WebP, GIF ou texte"


def detect_type(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an accepted file, from its content; ``None`` otherwise."""
    for magic, ctype, ext in _SIGNATURES:
        if data.startswith(magic):
            return ctype, ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" not in text and all(c.isprintable() or c in "\r\n\t" for c in text[:4096]):
        return "text/plain", ".txt"
    return None


def safe_filename(name: str | None, extension: str) -> str:
    """A name to show and to offer for download: no path, no control characters,
    at most 100 characters, with the extension of its real type."""
    base = unicodedata.normalize("NFC", os.path.basename((name or "").replace("\\", "/")))
    base = re.sub(r"[\x00-\x1f\x7f\"<>:|?*/]", "", base).strip(" .") or "piece-jointe"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:100 - len(extension)]}{extension}"


@dataclass(frozen=True)
class AttachmentStore:
    """Where the files are kept (outside the web root)."""

    root: Path

    @classmethod
    def from_env(cls) -> AttachmentStore:
        return cls(Path(os.environ.get("CERES_ATTACHMENTS_DIR") or "ceres-attachments").resolve())

    def path(self, key: str) -> Path:
        if not re.fullmatch(r"[A-Za-z0-9_-]{20,80}", key):
            raise NotFound(texts.ERR_ATTACHMENT_UNKNOWN)
        return self.root / key[:2] / key

    def write(self, data: bytes) -> str:
        key = secrets.token_urlsafe(24)
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return key

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()


@dataclass(frozen=True)
class CheckedFile:
    filename: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def check_file(filename: str | None, data: bytes) -> CheckedFile:
    """The file if it is accepted (type by content, size); a French refusal otherwise."""
    if not data:
        raise InvalidInput(texts.ERR_ATTACHMENT_EMPTY)
    if len(data) > MAX_BYTES:
        raise InvalidInput(texts.ERR_ATTACHMENT_TOO_BIG.format(
            size=round(len(data) / 1024 / 1024, 1), limit=MAX_BYTES // (1024 * 1024)))
    detected = detect_type(data)
    if detected is None:
        raise InvalidInput(texts.ERR_ATTACHMENT_TYPE.format(accepted=ACCEPTED))
    ctype, ext = detected
    return CheckedFile(safe_filename(filename, ext), ctype, len(data),
                       hashlib.sha256(data).hexdigest(), data)


@dataclass(frozen=True)
class AttachmentView:
    id: int
    ticket_number: str
    filename: str
    content_type: str
    size: int
    direction: str


def _view(a: Attachment, number: str) -> AttachmentView:
    return AttachmentView(a.id, number, a.filename, a.content_type, a.size, a.direction)


def new_attachment(db, ticket_id: int, message_id: int | None, direction: str, checked: CheckedFile,
                   key: str, now, staff_id: int | None = None) -> Attachment:
    """The attachment row (same transaction as its message)."""
    row = Attachment(ticket_id=ticket_id, message_id=message_id, direction=direction,
                     filename=checked.filename, content_type=checked.content_type,
                     size=checked.size, sha256=checked.sha256, storage_key=key,
                     staff_id=staff_id, created_at=now)
    db.add(row)
    db.flush()
    return row


def add_requester_attachment(
    core: Core, store: AttachmentStore, chat_id: int, ticket_id: int | str, filename: str | None,
    data: bytes, caption: str | None = None,
):
    """A file the requester sent in the chat, for one of their tickets (the bot finds
    which with :func:`tickets.services.resolve_requester_target`). Stored with a
    message (the caption, or « pièce jointe : name »); the ticket reopens or gets a
    follow-up exactly as for a text. Returns the
    :class:`~tickets.escalation.RequesterMessageResult` (``attachment_id`` set)."""
    from dataclasses import replace

    from tickets.escalation import requester_message

    checked = check_file(filename, data)
    key = store.write(checked.data)
    text = (caption or "").strip() or texts.ATTACHMENT_MESSAGE.format(name=checked.filename)
    result = requester_message(core, chat_id, ticket_id, text)
    with core.transaction() as db:
        row = new_attachment(db, result.ticket.id, result.message_id, "requester", checked, key,
                             core.clock.now())
        return replace(result, attachment_id=row.id)


def open_attachment(core: Core, store: AttachmentStore, staff: str,
                    attachment_id: int) -> tuple[AttachmentView, bytes]:
    """The file for a staff member of the ticket's queue (R-ACT-2); anyone else, and
    an unknown id, get the same « introuvable »."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        row = db.get(Attachment, int(attachment_id))
        if row is None:
            raise NotFound(texts.ERR_ATTACHMENT_UNKNOWN)
        ticket = get_ticket(db, row.ticket_id)
        try:
            require_ticket_access(actor, ticket)
        except Exception:
            raise NotFound(texts.ERR_ATTACHMENT_UNKNOWN) from None
        view, key = _view(row, ticket.number or ""), row.storage_key
    try:
        return view, store.read(key)
    except OSError:
        raise NotFound(texts.ERR_ATTACHMENT_UNKNOWN) from None


def delivery_file(core: Core, store: AttachmentStore, attachment_id: int) -> tuple[str, bytes]:
    """(file name, bytes) of the file a delivery sends (the delivery worker)."""
    with core.transaction() as db:
        row = db.get(Attachment, int(attachment_id))
        if row is None:
            raise NotFound(texts.ERR_ATTACHMENT_UNKNOWN)
        name, key = row.filename, row.storage_key
    return name, store.read(key)


def ticket_attachments(db, ticket_id: int) -> dict[int, list[AttachmentView]]:
    """The ticket's attachments by message id (for the ticket page)."""
    out: dict[int, list[AttachmentView]] = {}
    for row in db.scalars(select(Attachment).where(Attachment.ticket_id == ticket_id)
                          .order_by(Attachment.id)):
        out.setdefault(row.message_id or 0, []).append(_view(row, ""))
    return out


def staff_reply_with_file(
    core: Core, store: AttachmentStore, staff: str, ticket_id: int | str, text: str | None,
    filename: str | None, data: bytes, *, internal: bool = False, status=None,
):
    """A staff reply (or internal note) with a file: the requester receives it in the
    chat as a document (the outbox entry carries it). The text may be empty."""
    from tickets.handling import staff_reply

    checked = check_file(filename, data)
    key = store.write(checked.data)
    body = (text or "").strip() or texts.ATTACHMENT_MESSAGE.format(name=checked.filename)
    return staff_reply(core, staff, ticket_id, body, internal=internal, status=status,
                       file=(checked, key))
