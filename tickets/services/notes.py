"""Operators' internal notes: words for colleagues on a ticket, never shown or sent to the student.

A note is a Message by the ``note`` author: the ticket page shows it in the conversation, but it is not among
Message.STUDENT_VISIBLE_AUTHORS, so the status page and the public API never load it and services.notify
refuses to send it on any channel. ``@username`` in a note notifies that colleague, if they may see the ticket.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Message, Ticket
from ..selectors.operators import may_work_in
from .operator_notify import Kind, operator_notify
from .search_index import ticket_search_refresh

User = get_user_model()

NOTE_MAX_CHARS = 10000
# Django usernames are letters, digits and @ . + - _; an "@" inside a word (an e-mail address) is no mention.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]+)")
TRAILING = ".@+-"


@dataclass
class NoteResult:
    note: Message
    notified: list = field(default_factory=list)  # users told of the mention
    not_notified: list[str] = field(default_factory=list)  # mentioned names that are nobody who may see the ticket


def mentioned_names(body: str) -> list[str]:
    """The ``@names`` of a text, once each, in order of appearance (as written, trailing punctuation included)."""
    return list(dict.fromkeys(MENTION.findall(body or "")))


def _mentioned_users(body: str, ticket: Ticket, author) -> tuple[list, list[str]]:
    """(colleagues to notify, names that are nobody who may see the ticket). "@olga." at the end of a sentence
    is olga: a name is also tried without trailing punctuation."""
    raws = mentioned_names(body)
    candidates = {name for raw in raws for name in (raw, raw.rstrip(TRAILING))}
    users = {user.username: user for user in User.objects.filter(username__in=candidates, is_active=True)}
    notified, refused = [], []
    for raw in raws:
        user = users.get(raw) or users.get(raw.rstrip(TRAILING))
        if user is not None and user.pk == author.pk:
            continue
        if user is not None and may_work_in(user, ticket.queue_id):
            if user not in notified:
                notified.append(user)
        else:
            refused.append(user.username if user is not None else raw.rstrip(TRAILING))
    return notified, list(dict.fromkeys(refused))


def ticket_note(*, ticket: Ticket, body: str, actor) -> NoteResult:
    """Add an internal note; colleagues it mentions (and who may see the ticket) are notified."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The note is empty.")})
    if len(body) > NOTE_MAX_CHARS:
        raise ValidationError({"body": _("A note has at most %(n)s characters.") % {"n": NOTE_MAX_CHARS}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        note = Message.objects.create(ticket=ticket, author_kind=Message.Author.NOTE, author=actor, body=body)
        ticket_search_refresh(ticket.pk)
        ticket.save(update_fields=["updated_at"])
        notified, refused = _mentioned_users(body, ticket, actor)
        operator_notify(kind=Kind.MENTION, ticket=ticket, recipients=notified, event_key=f"mention:{note.pk}", actor=actor, message=note)
    return NoteResult(note=note, notified=notified, not_notified=refused)
