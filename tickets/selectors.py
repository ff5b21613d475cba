"""Everything the desk reads. Querysets are shaped here so views never cause N+1 queries."""
from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDay, TruncWeek
from django.utils import timezone

from .models import TRIAGE_QUEUE_SLUG, Attachment, Intent, Message, MessageAnalysis, Prediction, Queue, Ticket, TicketEvent, public_token_digest
from .permissions import is_operator, sees_all_queues
from .search import ticket_matches


class TicketNotFound(Exception):
    """No such ticket, or not one this user may see (the two look the same from outside)."""


def operator_queues(user) -> QuerySet[Queue]:
    if not is_operator(user):
        return Queue.objects.none()
    if sees_all_queues(user):
        return Queue.objects.all()
    return Queue.objects.filter(operators__user=user)


def queue_counts(user) -> list[Queue]:
    """The dashboard: every queue the user may see, with ``open_count`` and ``new_count``."""
    return list(
        operator_queues(user).annotate(
            open_count=Count("tickets", filter=Q(tickets__status__in=Ticket.OPEN_STATUSES)),
            new_count=Count("tickets", filter=Q(tickets__status=Ticket.Status.NEW)),
        ).order_by("position", "slug")
    )


def queue_get(user, slug: str) -> Queue:
    queue = operator_queues(user).filter(slug=slug).first()
    if queue is None:
        raise TicketNotFound(slug)
    return queue


# The queue filter's "not closed": new, open and waiting together. Not a Ticket.Status value (those filter exactly).
ACTIVE = "active"


def ticket_search(user, query: str) -> QuerySet[Ticket]:
    """Tickets in any queue ``user`` may see that ``query`` finds (a number, an e-mail, words; tickets.search)."""
    return ticket_matches(Ticket.objects.filter(queue__in=operator_queues(user)), query)


def ticket_list(
    user,
    *,
    queue_slug: str | None = None,
    status: str | None = None,
    search: str = "",
    order: str = "newest",
    label: str | None = None,
    topic: str | None = None,
) -> QuerySet[Ticket]:
    """Tickets the user may see, filtered; one query per page (queue and assignee joined).

    ``status``: a Ticket.Status value, or ``ACTIVE`` for every status that is not resolved or closed.
    ``search``: as ``ticket_search``. ``topic``: the FAQ layer's topic of the first message (``offtopic``
    lists the tickets closed as off-topic).
    """
    queryset = ticket_search(user, search)
    if queue_slug:
        queryset = queryset.filter(queue__slug=queue_slug)
    if status == ACTIVE:
        queryset = queryset.filter(status__in=Ticket.OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if label:
        queryset = queryset.filter(label=label)
    if topic:
        queryset = queryset.filter(topic=topic)
    ordering = ["created_at", "id"] if order == "oldest" else ["-created_at", "-id"]
    # A correlated subquery, not a JOIN + GROUP BY: it is evaluated only for the rows of the page.
    attachment_count = Subquery(
        Attachment.objects.filter(ticket=OuterRef("pk")).order_by().values("ticket").annotate(n=Count("id")).values("n")[:1]
    )
    return (
        queryset.select_related("queue", "assignee")
        .annotate(attachment_count=Coalesce(attachment_count, 0))
        .order_by(*ordering)
    )


def queue_tickets(user, queue_slug: str, **filters) -> QuerySet[Ticket]:
    queue_get(user, queue_slug)  # raises TicketNotFound for a queue the user may not see
    return ticket_list(user, queue_slug=queue_slug, **filters)


def _ticket_detail_queryset() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("queue", "assignee").prefetch_related(
        Prefetch("messages", queryset=Message.objects.select_related("author").prefetch_related("attachments")),
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
        Prefetch("predictions", queryset=Prediction.objects.order_by("-created_at", "-id")),
        Prefetch("events", queryset=TicketEvent.objects.select_related("actor").order_by("created_at", "id")),
    )


def ticket_for_operator(user, ticket_id: int) -> Ticket:
    ticket = _ticket_detail_queryset().filter(pk=ticket_id, queue__in=operator_queues(user)).first()
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def ticket_after_action(ticket_id: int) -> Ticket:
    """The ticket an operator just acted on, even if the action moved it out of their queues."""
    return _ticket_detail_queryset().get(pk=ticket_id)


def ticket_get_for_operator(user, ticket_id: int) -> Ticket:
    """The bare ticket (no prefetches), for actions."""
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
        Ticket.objects.select_related("queue")
        .prefetch_related(
            Prefetch("messages", queryset=Message.objects.exclude(author_kind=Message.Author.SYSTEM).prefetch_related("attachments")),
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
    from django.conf import settings

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
    from knowledge.models import FaqEntry

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


def active_intents() -> QuerySet[Intent]:
    return Intent.objects.filter(is_active=True).select_related("queue").order_by("name")


def _corrections(classified: QuerySet[Ticket], trunc) -> list[dict]:
    """One row per ticket an operator really corrected: ``{"predicted", "corrected", "period"}``.

    A ticket's last override decides (its ``old_value`` is the prediction it corrected): a label set back to
    the prediction, or set to the label it already had, is not a correction, however many overrides led there.
    """
    last = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.OVERRIDE).order_by("-created_at", "-id")
    rows = (
        classified.annotate(
            predicted=Subquery(last.values("old_value")[:1]), corrected=Subquery(last.values("new_value")[:1]),
            period=trunc("created_at"),
        )
        .filter(corrected__isnull=False)
        .values("predicted", "corrected", "period")
    )
    return [
        {**row, "predicted": row["predicted"] or "unsure"}
        for row in rows
        if (row["predicted"] or "unsure") != row["corrected"]
    ]


def model_quality(*, days: int = 90, bucket: str = "week") -> dict:
    """How good the classifier is, judged by operators' corrections (tickets created in the last ``days``).

    - ``auto_routed_share``: classified tickets that the classifier sent straight to a label's queue
      (not triage);
    - ``corrected_share``: classified tickets whose predicted label an operator changed (``_corrections``);
    - ``confusion``: corrected tickets per predicted → corrected label;
    - ``timeline``: the same shares per day or week.
    """
    since = timezone.now() - timedelta(days=days)
    classified = Ticket.objects.filter(created_at__gte=since).exclude(classification_state=Ticket.ClassificationState.PENDING)
    totals = classified.aggregate(
        total=Count("id"), failed=Count("id", filter=Q(classification_state=Ticket.ClassificationState.FAILED)),
    )
    # Auto-routed = the classifier (no actor) moved the ticket out of triage into a label's queue.
    routed_events = TicketEvent.objects.filter(
        kind=TicketEvent.Kind.ROUTED, actor__isnull=True, ticket__in=classified
    ).exclude(new_value=TRIAGE_QUEUE_SLUG)
    auto_routed = routed_events.values("ticket_id").distinct().count()

    trunc = TruncDay if bucket == "day" else TruncWeek
    corrections = _corrections(classified, trunc)
    confusion = Counter((row["predicted"], row["corrected"]) for row in corrections)

    per_period: dict = defaultdict(lambda: {"classified": 0, "auto_routed": 0, "corrected": 0})
    for row in classified.annotate(period=trunc("created_at")).values("period").annotate(n=Count("id")):
        per_period[row["period"]]["classified"] += row["n"]
    for row in corrections:
        per_period[row["period"]]["corrected"] += 1
    for row in routed_events.annotate(period=trunc("ticket__created_at")).values("period").annotate(
        n=Count("ticket_id", distinct=True)
    ):
        per_period[row["period"]]["auto_routed"] += row["n"]

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    total = totals["total"] or 0
    timeline = [
        {
            "period": period,
            **counts,
            "auto_routed_share": share(counts["auto_routed"], counts["classified"]),
            "corrected_share": share(counts["corrected"], counts["classified"]),
        }
        for period, counts in sorted(per_period.items(), key=lambda item: item[0])
    ]
    return {
        "since": since,
        "total": total,
        "failed": totals["failed"],
        "auto_routed": auto_routed,
        "corrected": len(corrections),
        "auto_routed_share": share(auto_routed, total),
        "corrected_share": share(len(corrections), total),
        "confusion": [
            {"predicted": predicted, "corrected": corrected, "count": count}
            for (predicted, corrected), count in sorted(confusion.items(), key=lambda item: (-item[1], item[0]))
        ],
        "timeline": timeline,
    }


def ticket_history(ticket: Ticket) -> list[tuple[TicketEvent, Prediction | None, str]]:
    """The audit trail (prefetched) as ``(event, prediction, faq_question)`` rows for the operator's page.

    ``prediction``: what a "predicted" event recorded (services.prediction_record writes one prediction and one
    event together, so the n-th of each belong together; when the counts differ nothing is paired).
    ``faq_question``: the question of the FAQ entry an FAQ or automatic-answer event names by its id (one query).
    """
    from knowledge.models import FaqEntry

    events = list(ticket.events.all())
    predicted = [event for event in events if event.kind == TicketEvent.Kind.PREDICTED]
    predictions = sorted(ticket.predictions.all(), key=lambda p: (p.created_at, p.pk))
    paired = dict(zip((e.pk for e in predicted), predictions)) if len(predicted) == len(predictions) else {}
    entry_ids = {event.pk: _faq_entry_id(event) for event in events}
    wanted = {entry_id for entry_id in entry_ids.values() if entry_id}
    questions = dict(FaqEntry.objects.filter(external_id__in=wanted).values_list("external_id", "question")) if wanted else {}
    return [(event, paired.get(event.pk), questions.get(entry_ids[event.pk], "")) for event in events]


def _faq_entry_id(event: TicketEvent) -> str:
    """The FAQ entry id an event names (services._analysis_apply writes "decision: id" / the id), or ""."""
    if event.kind == TicketEvent.Kind.FAQ:
        return event.new_value.partition(":")[2].strip().strip("-")
    if event.kind == TicketEvent.Kind.AUTO_ANSWER and event.new_value != "offtopic":
        return event.new_value
    return ""
