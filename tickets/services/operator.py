"""What operators do to a ticket: correct its label, change its status, answer the student (assignment:
services.assignment; notes: services.notes)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from classifier import correction_text, recurring_lines
from knowledge.models import FaqEntry
from knowledge.services import faq_phrasing_offer, faq_usage_record

from ..models import Delivery, Intent, LabelExample, Message, Prediction, Ticket, TicketEvent, TicketRating
from ..selectors.fitting import out_of_scope_intent, out_of_scope_labels
from .assignment import ticket_arrived, ticket_assign  # noqa: F401 (ticket_assign: its home before issue 12)
from .lifecycle import auto_answer_release, status_change
from .notify import student_notify, student_notify_status
from .search_index import ticket_search_refresh


def label_override(*, ticket: Ticket, label: str, actor, reason: str = "") -> Ticket:
    """An operator corrects the label; the ticket moves to that label's queue."""
    intent = Intent.objects.select_related("queue").filter(name=label, is_active=True).first()
    if intent is None:
        raise ValidationError({"label": _("Unknown label: %(label)s") % {"label": label}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().select_related("queue").get(pk=ticket.pk)
        latest = ticket.predictions.order_by("-created_at", "-id").first()
        old_label, old_queue = ticket.label, ticket.queue
        TicketEvent.objects.create(
            ticket=ticket,
            actor=actor,
            kind=TicketEvent.Kind.OVERRIDE,
            # The prediction the operator corrects, for the model-quality page (predicted → corrected).
            old_value=(latest.label or "unsure") if latest and not latest.error else (old_label or "unsure"),
            new_value=intent.name,
            confidence=latest.confidence if latest else ticket.confidence,
            model_version=latest.model_version if latest else "",
            reason=(reason or "").strip(),
        )
        ticket.label = intent.name
        ticket.label_overridden = True
        ticket.queue = intent.queue
        if old_queue.pk != intent.queue_id:
            TicketEvent.objects.create(
                ticket=ticket, actor=actor, kind=TicketEvent.Kind.ROUTED, old_value=old_queue.slug, new_value=intent.queue.slug,
            )
        ticket.save(update_fields=["label", "label_overridden", "queue", "updated_at"])
        _label_example_upsert(ticket=ticket, intent=intent, latest=latest, actor=actor)
        if old_queue.pk != intent.queue_id:
            ticket_arrived(ticket, actor=actor, moved_from=old_queue.slug)
    return ticket


# Recent screenshots whose lines tell the school's chrome (menus, headers) from a ticket's own lines:
# ~2 KB of OCR text each, one indexed query per override.
RECURRING_SAMPLE = 200


def _remembered_text(ticket: Ticket, ocr_text: str) -> str:
    """What the classifier remembers of a corrected ticket (``classifier.correction_text``: the student's words and
    the lines of its screenshots that do not recur on the school's other recent screenshots), capped."""
    recent = (Prediction.objects.filter(error="").exclude(ticket=ticket).exclude(ocr_text="")
              .order_by("-created_at", "-id").values_list("ocr_text", flat=True)[:RECURRING_SAMPLE])
    text = correction_text(ocr_text, ticket.description, recurring_lines(recent) if ocr_text else frozenset())
    return text[: LabelExample.TEXT_MAX_CHARS].strip()


def _label_example_upsert(*, ticket: Ticket, intent: Intent, latest: Prediction | None, actor) -> LabelExample | None:
    """Keep what the corrected ticket teaches as a labelled example of ``intent`` (one per ticket: a new
    correction moves it). The replay (``python -m classifier replay``) measures this same mechanism.

    Any intent the override accepts learns, out-of-scope ones included: a ticket corrected to "other"
    teaches what is not a school problem. A ticket with no text at all (no description, no OCR text)
    teaches nothing and is skipped; an example it had keeps its last intent. A new correction is a new
    decision, so it re-activates an example an admin had switched off.
    """
    ocr_text = latest.ocr_text if latest is not None and not latest.error else ""
    text = _remembered_text(ticket, ocr_text)
    if not text:
        return None
    example, _created = LabelExample.objects.update_or_create(
        ticket=ticket, defaults={"intent": intent, "text": text, "created_by": actor, "is_active": True},
    )
    return example


def ticket_set_status(*, ticket: Ticket, status: str, actor) -> Ticket:
    if status not in Ticket.Status.values:
        raise ValidationError({"status": _("Unknown status: %(status)s") % {"status": status}})
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        rated_before = TicketRating.objects.filter(ticket=ticket).exists()
        if status_change(ticket, status, actor=actor):
            # The operator decided; the automatic answer no longer waits for the student's feedback.
            auto_answer_release(ticket)
            status_notice(ticket, actor=actor, rating_asked=not rated_before and TicketRating.objects.filter(ticket=ticket).exists())
    return ticket


def no_out_of_scope_intent(field: str) -> ValidationError:
    """The refusal of "Not a support request — close" on a desk without an active out-of-scope intent, on ``field``
    (the ticket page's "label"; the bulk action's "action")."""
    return ValidationError({field: _("The desk has no active out-of-scope intent (such as \"other\"); an administrator can switch one on.")})


def ticket_close_out_of_scope(*, ticket: Ticket, actor, intent: Intent | None = None) -> bool:
    """"Not a support request — close" (the ticket page, usually in triage): the operator confirms the ticket is not
    the school's problem. It is closed (``ticket_set_status``: the student is told as of any close by a person) and
    labelled with the out-of-scope intent (``label_override``: its audit row, the remembered example), so the
    desk's refit counts it as confirmed "other" (``selectors.confirmed_labels``, docs/experiments/triage1.md).

    Closed first, then labelled: a wrongly routed ticket moved to triage while still open would be offered to
    triage's operators on duty (``ticket_arrived``: an automatic assignment or a "new ticket" notice) only to be
    closed in the same transaction. What is done already is not done again: False, and nothing written, when the
    ticket is closed and labelled out-of-scope (a double click, or a colleague was quicker).

    ``intent``: the out-of-scope intent to label with, when the caller looked it up already (the bulk action does it
    once for all its tickets); by default ``selectors.out_of_scope_intent()``.
    """
    intent = intent or out_of_scope_intent()
    if intent is None:
        raise no_out_of_scope_intent("label")
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        labelled = ticket.label in out_of_scope_labels()
        closed = ticket.status == Ticket.Status.CLOSED
        if not closed:
            ticket = ticket_set_status(ticket=ticket, status=Ticket.Status.CLOSED, actor=actor)
        if not labelled:
            ticket = label_override(ticket=ticket, label=intent.name, actor=actor)
    return not (labelled and closed)


# What the student hears of a person's status change. Only resolved and closed change anything for them (their
# request is done; a closed one takes no more replies); new, open and waiting are the desk's own bookkeeping.
STUDENT_NOTICE_STATUSES = (Ticket.Status.RESOLVED, Ticket.Status.CLOSED)


def status_notice(ticket: Ticket, *, actor, rating_asked: bool) -> list[Delivery]:
    """Tell the student a person resolved or closed their locked ``ticket`` (just changed by ``ticket_set_status``).

    Decision: one notice per change, and none when another message already says it. A resolve that asked for a
    rating (services.satisfaction: the ticket had an operator's reply, and no rating was asked before) already
    tells the student "request #N has been resolved" next to the reply: no second notice. A merged ticket's
    student was told by the merge. Reopening (by a person) and changes without a person are not announced: the
    student reopens by writing, and the automatic changes (off-topic close, "this solved it") carry their own
    message. Changes made through other services (merge) never come here.
    """
    if actor is None or ticket.status not in STUDENT_NOTICE_STATUSES or ticket.merged_into_id:
        return []
    if ticket.status == Ticket.Status.RESOLVED and rating_asked:
        return []
    event = ticket.events.filter(kind=TicketEvent.Kind.STATUS).order_by("-created_at", "-id").first()
    if event is None or event.new_value != ticket.status:
        return []
    return student_notify_status(ticket=ticket, event=event)


def ticket_reply(*, ticket: Ticket, body: str, actor, faq_entry=None) -> Message:
    """The operator answers; the student is notified (services.notify) and the ticket waits for the student.

    ``faq_entry`` (a knowledge.FaqEntry or its pk): the reply was inserted from that suggested FAQ answer;
    the message keeps it, the entry's usage counts an ``operator_sent``, and the student's latest message is
    offered as a learned phrasing of the entry (the admin adds or dismisses it: knowledge.services, issue 9).
    """
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("The reply is empty.")})
    if faq_entry is not None and not isinstance(faq_entry, FaqEntry):
        faq_entry = FaqEntry.objects.filter(pk=faq_entry).first()  # a deleted entry just is not counted
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        message = Message.objects.create(
            ticket=ticket, author_kind=Message.Author.OPERATOR, author=actor, body=body, faq_entry=faq_entry,
        )
        TicketEvent.objects.create(ticket=ticket, actor=actor, kind=TicketEvent.Kind.REPLY, new_value=body[:120])
        ticket_search_refresh(ticket.pk)
        if ticket.first_response_at is None:  # the SLA's and the reports' first response of a person
            ticket.first_response_at = message.created_at
            ticket.save(update_fields=["first_response_at"])
        if faq_entry is not None:
            faq_usage_record(faq_entry, ticket.pk, "operator_sent")
            question = ticket.messages.filter(author_kind=Message.Author.STUDENT).order_by("-created_at", "-id").first()
            if question is not None:
                faq_phrasing_offer(faq_entry, question.body, ticket.pk)
        # An operator took over: the automatic answer no longer waits for feedback.
        auto_answer_release(ticket)
        if ticket.status in (Ticket.Status.NEW, Ticket.Status.OPEN):
            status_change(ticket, Ticket.Status.WAITING, actor=actor)
        else:
            ticket.save(update_fields=["updated_at"])
        student_notify(ticket=ticket, message=message, kind=Delivery.Kind.REPLY)
    return message
