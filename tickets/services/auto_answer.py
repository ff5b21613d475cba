"""The FAQ layer's part in a conversation: automatic answers, the off-topic reply, the student's feedback.

Each student message is judged in the background (``message_answer``, one MessageAnalysis per message):
its topic and the FAQ's decision are computed outside any transaction, then applied under the ticket's row
lock: the analysis is saved, the policy picks what happens (``_decision_for``), and an automatic answer or
the off-topic reply is posted, the status changed and the student notified.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from classifier import FaqOutcome
from knowledge.models import FaqEntry
from knowledge.services import faq_answer_decision, faq_index_get, faq_usage_record

from ..models import Delivery, Message, MessageAnalysis, Ticket, TicketEvent
from .assignment import ticket_assigned_by_person
from .enqueue import task_enqueue
from .lifecycle import status_change
from .notify import student_notify
from .operator_notify import escalation_notify

logger = logging.getLogger(__name__)

ANSWER_TASK = "tickets.tasks.answer_message_task"
# Student messages the FAQ task never analysed are re-queued between these ages (message_answer_sweep).
ANSWER_SWEEP_AGE_SECONDS = 300
ANSWER_SWEEP_MAX_AGE_SECONDS = 3600


def answer_enqueue_now(message_id: int) -> bool:
    """Hand a student message to the FAQ task. A broker outage is logged, not raised: the message stays
    with the operators, and message_answer_sweep queues it again within the hour."""
    return task_enqueue(ANSWER_TASK, message_id, task_name=f"answer-message-{message_id}")


def message_enqueue_answer(message: Message) -> None:
    """Queue the FAQ decision for a student message once it is committed."""
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        return
    message_id = message.pk
    transaction.on_commit(lambda: answer_enqueue_now(message_id))


def _message_topic(text: str, extra_examples: dict[str, list[str]]):
    """The topic with the FAQ's questions as examples and the FAQ's cached index (the ``faqtop`` signal), as
    ``python -m classifier evaluate`` gives a school's FAQ to its topic classifier."""
    classify = import_string(settings.SUPPORTDESK_MESSAGE_CLASSIFIER)
    return classify(text, extra_examples=extra_examples or None, faq_index=faq_index_get())


def _faq_topic_examples() -> dict[str, list[str]]:
    """The school's FAQ questions as labelled examples for the topic classifier."""
    examples: dict[str, list[str]] = {}
    for topic, question, alt_questions in FaqEntry.objects.filter(is_active=True).values_list("topic", "question", "alt_questions"):
        examples.setdefault(topic, []).extend(q for q in [question, *(alt_questions or [])] if str(q).strip())
    return examples


def _offtopic_reply() -> str:
    return _(
        "Hello! This is the support service of the online school. We can help with studies, courses, payments "
        "and your account, but your message does not seem to be about any of these, so we have closed this request. "
        "If you do have a question about your studies, please submit a new request: we will be glad to help."
    )


def message_answer(message_id: int) -> MessageAnalysis | None:
    """Judge one student message with the FAQ layer and act on it. Idempotent: one analysis per message.

    Topic (``SUPPORTDESK_MESSAGE_CLASSIFIER``, with the FAQ's questions as labelled examples) and
    ``knowledge.services.faq_answer_decision`` run outside any transaction; the outcome is applied under
    the ticket's row lock:

    * off-topic first message (no screenshots) → a polite fixed reply, the ticket closed, ``topic=offtopic``;
    * the FAQ surely answers it (never when a human is needed, never once an operator is involved)
      → the entry's answer as an automatic message, the student notified, the ticket ``waiting`` for
      "this solved it" / "I still need help";
    * otherwise nothing visible: operators get the stored top-3 suggestions.
    """
    message = Message.objects.filter(pk=message_id, author_kind=Message.Author.STUDENT).first()
    if message is None or MessageAnalysis.objects.filter(message_id=message_id).exists():
        return None
    text = (message.body or "").strip()
    skip = ""
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        skip = "automatic answers are off"
    elif not text:
        skip = "no text"
    elif not FaqEntry.objects.filter(is_active=True).exists():
        skip = "the FAQ is empty"
    if skip:
        return _analysis_apply(message, decision=None, topic=None, reason=skip)

    topic = decision = None
    try:
        topic = _message_topic(text, _faq_topic_examples())
    except Exception:  # the FAQ decision still works without a topic
        logger.exception("Message #%s: topic classification failed", message_id)
    try:
        decision = faq_answer_decision(text, topic)
    except Exception as exc:  # nothing automatic happens; operators handle the ticket as before
        logger.exception("Message #%s: FAQ decision failed", message_id)
        return _analysis_apply(message, decision=None, topic=topic, reason=f"{type(exc).__name__}: {exc}", failed=True)
    return _analysis_apply(message, decision=decision, topic=topic)


def _decision_for(message: Message, ticket: Ticket, decision, entry: FaqEntry | None, *, first: bool) -> str:
    """The automatic-answer policy for a locked ticket: close as off-topic, answer automatically, or only suggest.

    Off-topic only for the first message of an open ticket without screenshots (a picture may well be a
    real problem); an automatic answer only when the FAQ is sure, no human is needed, the entry is active
    and has an answer, and no operator is involved yet (assigned by a person, or answered).
    """
    D = MessageAnalysis.Decision
    # An automatic assignment (services.assignment) involves nobody yet: the FAQ may still answer.
    operator_involved = ticket_assigned_by_person(ticket) or ticket.messages.filter(author_kind=Message.Author.OPERATOR).exists()
    if decision.outcome is FaqOutcome.OFFTOPIC and first and ticket.is_open and not message.attachments.exists():
        return D.OFFTOPIC
    if (decision.auto_answer and not decision.needs_human and entry is not None and entry.is_active
            and entry.answer.strip() and ticket.is_open and not operator_involved):
        return D.AUTO_ANSWER
    return D.SUGGEST


def _analysis_new(message: Message, *, topic, reason: str) -> MessageAnalysis:
    return MessageAnalysis(
        message=message,
        topic=getattr(topic, "topic", None) or "",
        topic_confidence=getattr(topic, "confidence", None),
        model_version=getattr(topic, "model_version", "") or "",
        reason=reason[:2000],
    )


def _analysis_fill(analysis: MessageAnalysis, decision) -> None:
    """Copy the FAQ decision onto the (unsaved) analysis: best entry, confidence, needs-human, top suggestions."""
    hits = list(decision.suggestions or [])
    entries = {e.external_id: e for e in FaqEntry.objects.filter(external_id__in=[h.entry_id for h in hits] + [decision.entry_id or ""])}
    analysis.needs_human = bool(decision.needs_human)
    analysis.needs_human_score = float(decision.needs_human_score)
    analysis.faq_entry = entries.get(decision.entry_id or "")
    analysis.faq_confidence = float(decision.confidence)
    analysis.suggestions = [
        {"entry": entries[h.entry_id].pk, "id": h.entry_id, "score": round(float(h.score), 4)} for h in hits if h.entry_id in entries
    ]
    analysis.reason = decision.reason[:2000]
    calibration = getattr(decision, "calibration", "")
    if calibration:  # which self-calibration of the school's FAQ decided (knowledge.FaqCalibrationFit.version)
        analysis.model_version = "+".join(v for v in (analysis.model_version, calibration) if v)[:120]


def _analysis_apply(message: Message, *, decision, topic, reason: str = "", failed: bool = False) -> MessageAnalysis | None:
    """Save the analysis of ``message`` and act on it under the ticket's row lock (None: another worker did)."""
    D = MessageAnalysis.Decision
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=message.ticket_id)
        if MessageAnalysis.objects.filter(message_id=message.pk).exists():
            return None  # another worker got here first
        analysis = _analysis_new(message, topic=topic, reason=reason)
        if decision is None:
            analysis.decision = D.FAILED if failed else D.SKIPPED
            analysis.save()
            return analysis

        _analysis_fill(analysis, decision)
        first = not ticket.messages.filter(author_kind=Message.Author.STUDENT, pk__lt=message.pk).exists()
        analysis.decision = _decision_for(message, ticket, decision, analysis.faq_entry, first=first)
        analysis.auto_answered = analysis.decision == D.AUTO_ANSWER
        analysis.save()
        TicketEvent.objects.create(
            ticket=ticket, kind=TicketEvent.Kind.FAQ, old_value=analysis.topic,
            new_value=f"{analysis.decision}: {decision.entry_id or '-'}"[:120], confidence=analysis.faq_confidence,
            model_version=analysis.model_version,
            reason=f"{decision.reason}; needs_human={analysis.needs_human} ({analysis.needs_human_score:.2f})"[:500],
        )
        fields = ["updated_at"]
        if first and not ticket.topic:
            ticket.topic = "offtopic" if analysis.decision == D.OFFTOPIC else analysis.topic
            fields.append("topic")
        if analysis.decision == D.OFFTOPIC:
            _offtopic_close(ticket, fields)
        elif analysis.decision == D.AUTO_ANSWER:
            _auto_answer_post(ticket, analysis, fields)
        elif len(fields) > 1:
            ticket.save(update_fields=fields)
    return analysis


def _offtopic_close(ticket: Ticket, fields: list[str]) -> None:
    """A polite fixed reply (in the ticket's language), the ticket closed, the student notified."""
    with translation.override(ticket.language or settings.LANGUAGE_CODE):
        body = _offtopic_reply()
    reply = Message.objects.create(ticket=ticket, author_kind=Message.Author.BOT, body=body)
    TicketEvent.objects.create(ticket=ticket, kind=TicketEvent.Kind.AUTO_ANSWER, new_value="offtopic")
    ticket.save(update_fields=fields)
    status_change(ticket, Ticket.Status.CLOSED, actor=None, reason="off-topic")
    student_notify(ticket=ticket, message=reply, kind=Delivery.Kind.OFFTOPIC)


def _auto_answer_post(ticket: Ticket, analysis: MessageAnalysis, fields: list[str]) -> None:
    """The FAQ entry's answer as an automatic message; the ticket waits for the student's feedback."""
    entry = analysis.faq_entry
    answer = Message.objects.create(ticket=ticket, author_kind=Message.Author.BOT, body=entry.answer, faq_entry=entry)
    TicketEvent.objects.create(
        ticket=ticket, kind=TicketEvent.Kind.AUTO_ANSWER, new_value=entry.external_id[:120], confidence=analysis.faq_confidence,
    )
    faq_usage_record(entry, ticket.pk, "auto_sent")
    ticket.auto_answer_state = Ticket.AutoAnswerState.PENDING_FEEDBACK
    ticket.auto_answered_at = timezone.now()
    ticket.save(update_fields=[*fields, "auto_answer_state", "auto_answered_at"])
    status_change(ticket, Ticket.Status.WAITING, actor=None, reason="automatic answer")
    student_notify(ticket=ticket, message=answer, kind=Delivery.Kind.AUTO_ANSWER)


def auto_answer_settle(ticket: Ticket, *, solved: bool | None, reason: str, message: Message | None = None) -> None:
    """End the wait for feedback on a locked ticket: solved → resolved; still need help or no reply → open, and
    the queue's operators are notified (operator_notify.escalation_notify; ``message``: the student's reply that
    escalated it, if that was how).

    ``solved=None`` is "no reply in time" (counted neither accepted nor rejected).
    """
    last = ticket.messages.filter(author_kind=Message.Author.BOT, faq_entry__isnull=False).order_by("-created_at", "-id").first()
    entry = last.faq_entry if last else None
    if solved:
        ticket.auto_answer_state = Ticket.AutoAnswerState.SOLVED
        kind, value, new_status, usage = TicketEvent.Kind.FEEDBACK, "solved", Ticket.Status.RESOLVED, "accepted"
    else:
        ticket.auto_answer_state = Ticket.AutoAnswerState.ESCALATED
        kind = TicketEvent.Kind.FEEDBACK if solved is False else TicketEvent.Kind.ESCALATED
        value = "still need help" if solved is False else "no reply"
        new_status, usage = Ticket.Status.OPEN, ("rejected" if solved is False else None)
    TicketEvent.objects.create(
        ticket=ticket, kind=kind, old_value=(entry.external_id[:120] if entry else ""), new_value=value, reason=reason,
    )
    if usage and entry is not None:
        faq_usage_record(entry, ticket.pk, usage)
    ticket.save(update_fields=["auto_answer_state", "updated_at"])
    if ticket.status in (Ticket.Status.NEW, Ticket.Status.WAITING) or (solved and ticket.is_open):
        status_change(ticket, new_status, actor=None, reason=reason)
    if not solved:
        escalation_notify(ticket, answer=last, reason=reason, message=message)


def message_answer_sweep(*, older_than: int = ANSWER_SWEEP_AGE_SECONDS, newer_than: int = ANSWER_SWEEP_MAX_AGE_SECONDS) -> int:
    """Re-queue the FAQ task for student messages it never analysed (broker down at commit, worker killed).

    Only messages ``older_than``..``newer_than`` seconds old on open tickets: an automatic answer hours
    later would be odd, the operators have the ticket by then. Idempotent (the task skips analysed messages).
    """
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        return 0
    now = timezone.now()
    ids = list(
        Message.objects.filter(
            author_kind=Message.Author.STUDENT, analysis__isnull=True, ticket__status__in=Ticket.OPEN_STATUSES,
            created_at__lte=now - timedelta(seconds=older_than), created_at__gte=now - timedelta(seconds=newer_than),
        ).order_by("created_at").values_list("pk", flat=True)
    )
    for message_id in ids:
        answer_enqueue_now(message_id)
    return len(ids)


def auto_answer_feedback(*, ticket: Ticket, solved: bool) -> Ticket:
    """The student's "this solved it" (→ resolved) or "I still need help" (→ open, an operator answers)."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
        if ticket.auto_answer_state != Ticket.AutoAnswerState.PENDING_FEEDBACK or ticket.status == Ticket.Status.CLOSED:
            raise ValidationError(_("There is no automatic answer waiting for your feedback."))
        auto_answer_settle(ticket, solved=bool(solved), reason="student feedback")
    return ticket


def auto_answers_escalate_stale(now=None) -> int:
    """Hand automatic answers nobody reacted to within SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER seconds to an
    operator (the ticket goes back to open in its queue, the automatic answer stays visible). Idempotent."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER)
    ids = list(
        Ticket.objects.filter(auto_answer_state=Ticket.AutoAnswerState.PENDING_FEEDBACK, auto_answered_at__lte=cutoff)
        .order_by("auto_answered_at").values_list("pk", flat=True)
    )
    done = 0
    for ticket_id in ids:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket_id)
            if ticket.auto_answer_state != Ticket.AutoAnswerState.PENDING_FEEDBACK:
                continue
            auto_answer_settle(ticket, solved=None, reason="no feedback in time")
            done += 1
    return done
