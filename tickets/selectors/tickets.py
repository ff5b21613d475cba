"""Reads of tickets for operators and students. Querysets are shaped here so views never cause N+1 queries."""
from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, Mapping

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from knowledge.models import FaqEntry

from ..models import Attachment, Delivery, Message, MessageAnalysis, Prediction, Queue, Ticket, TicketEvent, public_token_digest
from ..search import ranked, ticket_matches
from .access import TicketNotFound, operator_queues
from .filters import ORDERINGS, TicketFilter


def ticket_search(user, query: str) -> QuerySet[Ticket]:
    """Tickets in any queue ``user`` may see that ``query`` finds (a number, an e-mail, words; tickets.search), the best
    match first on PostgreSQL."""
    visible = Ticket.objects.filter(queue__in=operator_queues(user))
    return ranked(ticket_matches(visible, query), query, unsearched=visible)


def ticket_list(
    user,
    *,
    queue_slug: str | None = None,
    status: str | None = None,
    search: str = "",
    order: str = "newest",
    label: str | None = None,
    topic: str | None = None,
    assignee=None,
    count_attachments: bool = True,
    queue: Queue | None = None,
) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered as ticket_list_filtered; the keyword form of the web pages.

    ``queue_slug`` is taken as given (the pages resolve it with queue_get first, so it is not looked up
    twice): a queue the user may not see lists nothing; without it every visible queue is searched.
    ``status``: a Ticket.Status value, or ``ACTIVE`` for every status that is not resolved or closed.
    ``search``: as ``ticket_search``. ``topic``: the FAQ layer's topic of the first message (``offtopic``
    lists the tickets closed as off-topic). ``assignee``: ``me``, ``none`` or a username. ``order``: newest,
    oldest, urgent (tickets.sla) or relevance (tickets.search.ranked). ``count_attachments=False``: no ``attachment_count`` annotation (selectors.pages
    counts them for the rows of the page only). ``queue``: the queue already resolved by queue_get, instead of
    ``queue_slug``: filtered by its id, PostgreSQL walks the index (queue, created_at, id) of that queue alone
    (by slug it joins the queues and scans every queue's tickets by date: 82 ms for page 100 at 100k).
    """
    params = {"status": status, "search": search, "order": order, "label": label, "topic": topic, "assignee": assignee}
    return _ticket_list(user, params, queue_slug=queue_slug, count_attachments=count_attachments, queue=queue)


def ticket_list_filtered(user, params: Mapping[str, Any]) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered by request parameters (selectors.filters.TicketFilter: ``queue``,
    ``status``, ``label``, ``topic``, ``assignee``, ``search``, ``order``; newest first by default). An invalid value, a
    queue the user may not see included, raises ValidationError (the API answers 400)."""
    return _ticket_list(user, params)


def _ticket_list(
    user, params: Mapping[str, Any], *, queue_slug: str | None = None, count_attachments: bool = True, queue: Queue | None = None,
) -> QuerySet[Ticket]:
    queues = operator_queues(user)
    visible = Ticket.objects.filter(queue__in=queues).order_by(*ORDERINGS["newest"])
    if queue is not None:  # before the filters: "best match first" ranks the newest matches of this queue (tickets.search.ranked)
        visible = visible.filter(queue_id=queue.pk)
    if queue_slug:
        visible = visible.filter(queue__slug=queue_slug)
    filters = TicketFilter(params, queryset=visible, queues=queues, user=user)
    if not filters.is_valid():
        raise ValidationError(filters.errors)
    if not count_attachments:
        return filters.qs.select_related("queue", "assignee", "student")
    # A correlated subquery, not a JOIN + GROUP BY: it is evaluated only for the rows of the page.
    attachment_count = Subquery(
        Attachment.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket").annotate(n=Count("id")).values("n")[:1]
    )
    # One query per page: queue, assignee and student joined.
    return filters.qs.select_related("queue", "assignee", "student").annotate(attachment_count=Coalesce(attachment_count, 0))


def _ticket_detail_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("queue", "assignee", "student", "rating").prefetch_related(
        Prefetch("messages", queryset=Message.objects.select_related("author").prefetch_related("attachments")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
        Prefetch("predictions", queryset=Prediction.objects.order_by("-created_at", "-id")),
        Prefetch("events", queryset=TicketEvent.objects.select_related("actor").order_by("created_at", "id")),
        Prefetch("deliveries", queryset=Delivery.objects.order_by("created_at", "id")),
    )


def ticket_detail_for_operator(user, ticket_id: int) -> Ticket:
    """The ticket page: the ticket with everything it shows (messages, screenshots, predictions, history,
    deliveries) in a fixed number of queries; TicketNotFound outside the user's queues."""
    ticket = _ticket_detail_queryset().filter(pk=ticket_id, queue__in=operator_queues(user)).first()
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def ticket_after_action(ticket_id: int) -> Ticket:
    """The ticket an operator just acted on, even if the action moved it out of their queues."""
    return _ticket_detail_queryset().get(pk=ticket_id)


def ticket_row_for_operator(user, ticket_id: int) -> Ticket:
    """The bare ticket row (its queue joined, nothing prefetched) for actions and polling; TicketNotFound
    outside the user's queues."""
    ticket = Ticket.objects.select_related("queue").filter(pk=ticket_id, queue__in=operator_queues(user)).first()
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def _student_token_digest(token: str) -> str:
    token = token or ""
    # Real tokens are 43 characters; anything empty or absurdly long is refused before hashing.
    if not token or len(token) > 64:
        raise TicketNotFound("bad token")
    return public_token_digest(token)


def ticket_for_student(token: str) -> Ticket:
    """The ticket behind a status link; the token is its only key.

    The lookup goes by the SHA-256 digest of the token (indexed, unique), never by the token itself:
    an index search may take longer the more leading characters match, but an attacker cannot steer
    the digest's characters, so timing reveals nothing about any real token. The stored digest is
    then compared in constant time. Wrong, truncated or over-long tokens all raise TicketNotFound,
    which views turn into the same 404 as any missing page.
    """
    digest = _student_token_digest(token)
    ticket = (
        Ticket.objects.select_related("queue", "merged_into")
        .prefetch_related(
            Prefetch(
                "messages",
                queryset=Message.objects.filter(author_kind__in=Message.STUDENT_VISIBLE_AUTHORS).prefetch_related("attachments"),
            ),
        )
        .filter(public_token_digest=digest)
        .first()
    )
    if ticket is None or not secrets.compare_digest(ticket.public_token_digest, digest):
        raise TicketNotFound("no ticket")
    return ticket


# How long a page keeps polling for the FAQ layer's verdict on a fresh student message.
ANSWER_WAIT_SECONDS = 120


def ticket_answer_pending(ticket: Ticket) -> bool:
    """A fresh student message still waits for the FAQ task (the status page polls, then shows the answer)."""
    if not settings.SUPPORTDESK_AUTO_ANSWER:
        return False
    since = timezone.now() - timedelta(seconds=ANSWER_WAIT_SECONDS)
    return Message.objects.filter(
        ticket=ticket, author_kind=Message.Author.STUDENT, analysis__isnull=True, created_at__gte=since,
    ).exists()


def ticket_latest_analysis(ticket: Ticket) -> MessageAnalysis | None:
    """The FAQ layer's judgement of the ticket's latest analysed student message."""
    return (
        MessageAnalysis.objects.filter(message__ticket=ticket, message__author_kind=Message.Author.STUDENT)
        .exclude(decision__in=[MessageAnalysis.Decision.SKIPPED, MessageAnalysis.Decision.FAILED])
        .select_related("faq_entry")
        .order_by("-message__created_at", "-message_id")
        .first()
    )


def ticket_faq_suggestions(analysis: MessageAnalysis | None) -> list[dict]:
    """The top FAQ answers stored by the task for the operator's ticket page: ``[{"entry", "score"}]``.

    Read from the analysis row (computed in the background), so the page runs no model; inactive or
    deleted entries are left out.
    """
    stored = list((analysis.suggestions if analysis else None) or [])
    entries = FaqEntry.objects.filter(pk__in=[s.get("entry") for s in stored], is_active=True).in_bulk()
    return [{"entry": entries[s["entry"]], "score": s.get("score")} for s in stored if s.get("entry") in entries]


def latest_prediction(ticket: Ticket) -> Prediction | None:
    predictions = list(ticket.predictions.all())  # prefetched, newest first
    return predictions[0] if predictions else None


def attachment_for_student(token: str, attachment_id: int) -> Attachment:
    """A screenshot of the ticket behind ``token`` (by digest, as ticket_for_student); another ticket's → not found."""
    digest = _student_token_digest(token)
    attachment = Attachment.objects.select_related("ticket").filter(pk=attachment_id, ticket__public_token_digest=digest).first()
    if attachment is None or not secrets.compare_digest(attachment.ticket.public_token_digest, digest):
        raise TicketNotFound(attachment_id)
    return attachment


def attachment_for_operator(user, attachment_id: int) -> Attachment:
    attachment = Attachment.objects.filter(pk=attachment_id, ticket__queue__in=operator_queues(user)).first()
    if attachment is None:
        raise TicketNotFound(attachment_id)
    return attachment


def ticket_delivery_problems(ticket: Ticket) -> list[Delivery]:
    """Messages to the student that did not go out: failed for good, or waiting for a retry after a failure
    (the ticket page lists them; ``deliveries`` is prefetched by ticket_detail_for_operator)."""
    return [delivery for delivery in ticket.deliveries.all() if delivery.is_problem]


def ticket_history(ticket: Ticket) -> list[tuple[TicketEvent, Prediction | None, str]]:
    """The audit trail (prefetched) as ``(event, prediction, faq_question)`` rows for the operator's page.

    ``prediction``: what a "predicted" event recorded (services.prediction_record writes one prediction and one
    event together, so the n-th of each belong together; when the counts differ nothing is paired).
    ``faq_question``: the question of the FAQ entry an FAQ or automatic-answer event names by its id (one query).
    """
    events = list(ticket.events.all())
    predicted = [event for event in events if event.kind == TicketEvent.Kind.PREDICTED]
    predictions = sorted(ticket.predictions.all(), key=lambda p: (p.created_at, p.pk))
    paired = dict(zip((e.pk for e in predicted), predictions)) if len(predicted) == len(predictions) else {}
    entry_ids = {event.pk: _faq_entry_id(event) for event in events}
    wanted = {entry_id for entry_id in entry_ids.values() if entry_id}
    questions = dict(FaqEntry.objects.filter(external_id__in=wanted).values_list("external_id", "question")) if wanted else {}
    return [(event, paired.get(event.pk), questions.get(entry_ids[event.pk], "")) for event in events]


def _faq_entry_id(event: TicketEvent) -> str:
    """The FAQ entry id an event names (services.auto_answer._analysis_apply writes "decision: id" / the id), or ""."""
    if event.kind == TicketEvent.Kind.FAQ:
        return event.new_value.partition(":")[2].strip().strip("-")
    if event.kind == TicketEvent.Kind.AUTO_ANSWER and event.new_value != "offtopic":
        return event.new_value
    return ""
