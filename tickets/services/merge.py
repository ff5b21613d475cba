"""Merging a duplicate into another ticket of the same student (issue 12).

Decision: tickets of the **same Student** are merged; tickets of two Students (one person writing from two contacts:
the web form with another e-mail, then Telegram) only with ``same_person=True``, the operator's explicit
confirmation. The source's status link then leads to the target's status page, which shows the whole conversation:
acceptable only because the operator confirmed both contacts are one person (two people would see each other's
messages). The notice goes to the target's student's channels (where the conversation continues); the source's
contact learns it from its status page, which points to the target. A ``merged`` event on the target names both
contacts (old: the source's, new: the target's).

What a merge does, in one transaction with both rows locked (lower id first, so two merges cannot deadlock):
the source's messages, screenshots and their deliveries move to the target, the source is closed with ``merged_into`` set (its
status page points to the target), each ticket gets a ``merged`` event, the target's search document is rebuilt
(its messages and the source's OCR), and the student is told once, on the target, by ``student_notify``.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from ..models import Attachment, Delivery, Message, Ticket, TicketEvent
from ..selectors.operators import may_work_in
from .lifecycle import status_change
from .notify import student_notify
from .search_index import ticket_search_refresh


def merge_refusal(source: Ticket, target: Ticket, actor, same_person: bool = False) -> str:
    """Why ``source`` cannot be merged into ``target`` by ``actor`` ("" when it can). Unlocked rows: a hint for the
    page; ticket_merge asks again under the locks."""
    if source.pk == target.pk:
        return _("A ticket cannot be merged into itself.")
    if not (may_work_in(actor, source.queue_id) and may_work_in(actor, target.queue_id)):
        return _("You may merge only tickets of your queues.")
    if source.student_id != target.student_id and not same_person:
        return _("These tickets come from different contacts: merge them only if it is the same person, with "
                 "\"The same person\" ticked on the ticket page.")
    if source.merged_into_id:
        return _("Ticket #%(id)s was already merged into #%(into)s.") % {"id": source.pk, "into": source.merged_into_id}
    if target.merged_into_id:
        return _("Ticket #%(id)s was merged into #%(into)s: merge into that one.") % {"id": target.pk, "into": target.merged_into_id}
    return ""


def _contact(ticket: Ticket) -> str:
    """Who wrote, for the audit trail: the name and the e-mail, or the channel and the student's id."""
    address = ticket.student.email or f"{ticket.source}, student #{ticket.student_id}"
    return f"{ticket.name} <{address}>"[:120]


def ticket_merge(*, source: Ticket, target: Ticket, actor, same_person: bool = False) -> Ticket:
    """Merge ``source`` into ``target`` (see the module); returns the target. ValidationError says why not.
    ``same_person``: the operator confirmed that two different students' contacts are one person."""
    with transaction.atomic():
        locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")}
        source, target = locked.get(source.pk), locked.get(target.pk)
        if source is None or target is None:
            raise ValidationError({"into": _("No such ticket.")})
        refusal = merge_refusal(source, target, actor, same_person=same_person)
        if refusal:
            raise ValidationError({"into": refusal})
        Message.objects.filter(ticket=source).update(ticket=target)
        Attachment.objects.filter(ticket=source).update(ticket=target)
        # Their deliveries follow them: a message that did not reach the student shows on the target's page.
        Delivery.objects.filter(ticket=source).update(ticket=target)
        source.merged_into = target
        source.save(update_fields=["merged_into", "updated_at"])
        status_change(source, Ticket.Status.CLOSED, actor=actor)
        # old → new: which ticket went into which (tickets.vocabulary words it on either ticket's history).
        for ticket in (source, target):
            TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.MERGED, old_value=str(source.pk), new_value=str(target.pk))
        if source.student_id != target.student_id:
            # Names, not ids: tickets.vocabulary tells this one from the ids above.
            TicketEvent.objects.create(ticket=target, actor=actor, kind=TicketEvent.Kind.MERGED,
                                       old_value=_contact(source), new_value=_contact(target))
        ticket_search_refresh(target.pk)
        ticket_search_refresh(source.pk)
        with translation.override(target.language or None):
            body = _("Your request #%(source)s is now part of request #%(target)s: we answer both here.") % {"source": source.pk, "target": target.pk}
        notice = Message.objects.create(ticket=target, author_kind=Message.Author.OPERATOR, author=actor, body=body)
        target.save(update_fields=["updated_at"])
        student_notify(ticket=target, message=notice, kind=Delivery.Kind.REPLY)
    return target
