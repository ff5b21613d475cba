"""Private chat: commands answered at once; messages, photos and screenshots-as-files gathered into requests."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime

from tickets.channels import DeliveryFailed
from tickets.models import Ticket
from tickets.services import ticket_create, ticket_student_reply
from tickets.uploads import ACCEPTED_CONTENT_TYPES, CleanImage, clean_screenshot, too_large_message

from .. import api, texts
from ..models import GroupReply, TelegramAccount, TelegramUpdate
from .accounts import account_for_user
from .outgoing import outgoing_queue
from .records import update_record

logger = logging.getLogger(__name__)
STATUS_LIST_LENGTH = 10


def _command(message: dict) -> tuple[str, str] | None:
    """("/start", "payload") when the message is a bot command (``/start@MyBot payload`` too), else None."""
    text = message.get("text") or ""
    if not text.startswith("/"):
        return None
    head, _space, rest = text.partition(" ")
    return head.split("@", 1)[0].lower(), rest.strip()


def private_message(update_id: int, message: dict) -> str:
    chat_id = int(message["chat"]["id"])
    account = account_for_user(message["from"], private_chat_id=chat_id)
    command = _command(message)
    fields = {"account": account, "chat_id": chat_id, "message_id": message.get("message_id")}
    with translation.override(texts.chat_language(account.language_code)), transaction.atomic():
        if command is None:
            update_record(update_id, "private", status=TelegramUpdate.Status.PENDING, payload=message, **fields)
            return "pending"
        update = update_record(update_id, "command", payload=message, note=command[0][:200], **fields)
        return _command_answer(update, account, *command)


def _say(update: TelegramUpdate, text: str, *, part: str = "") -> None:
    outgoing_queue(key=f"update-{update.update_id}{part}", chat_id=update.chat_id, text=text)


def _command_answer(update: TelegramUpdate, account: TelegramAccount, name: str, payload: str) -> str:
    if name == "/start" and payload.startswith("q"):
        return _handover(update, account, payload)
    if name == "/start":
        _say(update, texts.welcome())
    elif name == "/new":
        TelegramAccount.objects.filter(pk=account.pk).update(start_new=True)
        _say(update, texts.new_ready())
    elif name == "/status":
        _say(update, _status_text(account))
    else:  # /help and any command the bot does not know
        _say(update, texts.help_text())
    return name.lstrip("/")


def _status_text(account: TelegramAccount) -> str:
    tickets = list(Ticket.objects.filter(student=account.student).order_by("-created_at", "-id")[:STATUS_LIST_LENGTH])
    if not tickets:
        return texts.no_tickets()
    lines = [texts.status_header()]
    for ticket in tickets:
        words = " ".join((ticket.description or "").split())
        words = words if len(words) <= 40 else words[:39] + "…"
        when = date_format(localtime(ticket.created_at), "SHORT_DATE_FORMAT")
        lines.append(f"#{ticket.pk} · {when} · {ticket.get_status_display()}" + (f" · {words}" if words else ""))
    return "\n".join(lines)


def _handover(update: TelegramUpdate, account: TelegramAccount, payload: str) -> str:
    """/start q<token>: the deep link of a group reply; the question becomes the asker's new request."""
    reply = GroupReply.objects.select_for_update().filter(token=payload[1:], kind=GroupReply.Kind.HANDOVER).first()
    if reply is None or reply.user_id != account.user_id:
        _say(update, texts.handover_used())
        return "handover refused"
    if reply.ticket_id is None:
        ticket = ticket_create(
            name=account.display_name, description=reply.text, student=account.student,
            source=Ticket.Source.TELEGRAM, language=texts.chat_language(account.language_code),
        )
        reply.ticket = ticket
        reply.save(update_fields=["ticket", "updated_at"])
        TelegramUpdate.objects.filter(pk=update.pk).update(ticket=ticket)
    return "handover"


# --- gathering messages into a request ---------------------------------------------------------------------


def _file_of(message: dict) -> dict | None:
    """The file a message carries: the largest size of a photo, or a document (a screenshot sent as a file)."""
    if message.get("photo"):
        largest = message["photo"][-1]
        return {"file_id": largest["file_id"], "file_size": largest.get("file_size"), "mime_type": "image/jpeg", "name": "photo.jpg"}
    document = message.get("document")
    if document:
        return {"file_id": document["file_id"], "file_size": document.get("file_size"),
                "mime_type": document.get("mime_type") or "", "name": document.get("file_name") or "file"}
    return None


def file_clean(file: dict) -> CleanImage:
    """Download one file through getFile and validate it exactly like a web upload (tickets.uploads)."""
    if file["mime_type"] not in ACCEPTED_CONTENT_TYPES:
        raise ValidationError(texts.file_not_image())
    if (file.get("file_size") or 0) > settings.SUPPORTDESK_MAX_UPLOAD_BYTES:
        raise ValidationError(too_large_message())
    try:
        content = api.file_download(file["file_id"], max_bytes=settings.SUPPORTDESK_MAX_UPLOAD_BYTES)
    except DeliveryFailed as exc:
        raise ValidationError(too_large_message() if str(exc) == "too large" else texts.file_unreachable()) from exc
    return clean_screenshot(SimpleUploadedFile(file["name"], content, content_type=file["mime_type"]))


def _target_ticket(account: TelegramAccount) -> Ticket | None:
    if account.start_new:
        return None
    return Ticket.objects.filter(student=account.student, status__in=Ticket.OPEN_STATUSES).order_by("-created_at", "-id").first()


def account_flush(account_id: int) -> int:
    """One request (or one reply on the open request) from all of a student's pending messages; 1 when done.

    Files are downloaded and validated before the transaction (a slow download holds no lock); a refused file
    gets a clear message and the text is kept. The rows are claimed in the transaction that writes the ticket,
    so two processes flushing at once write it once.
    """
    account = TelegramAccount.objects.select_related("student").get(pk=account_id)
    rows = list(TelegramUpdate.objects.filter(account=account, status=TelegramUpdate.Status.PENDING).order_by("update_id"))
    if not rows:
        return 0
    parts, images, refusals = [], [], []
    with translation.override(texts.chat_language(account.language_code)):
        for row in rows:
            text = (row.payload.get("text") or row.payload.get("caption") or "").strip()
            if text:
                parts.append(text)
            file = _file_of(row.payload)
            if file is not None:
                try:
                    images.append(file_clean(file))
                except ValidationError as exc:
                    refusals.append((row, " ".join(exc.messages)))
        with transaction.atomic():
            claimed = TelegramUpdate.objects.filter(pk__in=[row.pk for row in rows], status=TelegramUpdate.Status.PENDING)
            if claimed.update(status=TelegramUpdate.Status.DONE) != len(rows):
                transaction.set_rollback(True)  # another process took (some of) them
                return 0
            account = TelegramAccount.objects.select_for_update().select_related("student").get(pk=account_id)
            ticket = _write(account, "\n\n".join(parts), images)
            TelegramUpdate.objects.filter(pk__in=[row.pk for row in rows]).update(ticket=ticket, note=("ticket" if ticket else "nothing kept"))
            for row, error in refusals:
                outgoing_queue(key=f"update-{row.update_id}-refused", chat_id=row.chat_id, text=texts.file_refused(error))
    return 1


def _write(account: TelegramAccount, body: str, images: list[CleanImage]) -> Ticket | None:
    """Append to the open request, or start one; screenshots beyond the per-message limit follow as replies."""
    if not body and not images:
        return None
    limit = settings.SUPPORTDESK_MAX_SCREENSHOTS
    batches = [images[i:i + limit] for i in range(0, len(images), limit)] or [[]]
    ticket = _target_ticket(account)
    if ticket is not None:
        try:
            with transaction.atomic():
                for number, batch in enumerate(batches):
                    ticket_student_reply(ticket=ticket, body=body if number == 0 else "", screenshots=batch)
            return ticket
        except ValidationError:  # closed meanwhile, or too many screenshots in that conversation: a new request
            logger.info("Telegram account #%s: starting a new request instead of replying on #%s", account.pk, ticket.pk)
    ticket = ticket_create(
        name=account.display_name, description=body, student=account.student, screenshots=batches[0],
        source=Ticket.Source.TELEGRAM, language=texts.chat_language(account.language_code),
    )
    for batch in batches[1:]:
        ticket_student_reply(ticket=ticket, body="", screenshots=batch)
    if account.start_new:
        TelegramAccount.objects.filter(pk=account.pk).update(start_new=False)
    return ticket
