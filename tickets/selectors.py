"""Everything the desk reads. Querysets are shaped here so views never cause N+1 queries."""
from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Lower, TruncDay, TruncWeek
from django.utils import timezone

from .models import TRIAGE_QUEUE_SLUG, Attachment, Message, MessageAnalysis, Prediction, Queue, Ticket, TicketEvent, public_token_digest
from .permissions import is_operator, sees_all_queues


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


def _search(queryset: QuerySet[Ticket], search: str) -> QuerySet[Ticket]:
    search = (search or "").strip()
    if not search:
        return queryset
    if search.lstrip("#").isdigit():
        return queryset.filter(Q(pk=int(search.lstrip("#"))) | Q(description__icontains=search))
    if "@" in search:
        if " " in search:
            return queryset.filter(email__icontains=search)
        # lower(email) = ... matches the functional index ticket_email_lower.
        return queryset.annotate(email_lower=Lower("email")).filter(email_lower=search.lower())
    return queryset.filter(
        Q(description__icontains=search) | Q(name__icontains=search) | Q(email__icontains=search)
    )


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

    ``topic``: the FAQ layer's topic of the first message (``offtopic`` lists the tickets closed as off-topic).
    """
    queryset = Ticket.objects.filter(queue__in=operator_queues(user))
    if queue_slug:
        queryset = queryset.filter(queue__slug=queue_slug)
    if status == "open":
        queryset = queryset.filter(status__in=Ticket.OPEN_STATUSES)
    elif status:
        queryset = queryset.filter(status=status)
    if label:
        queryset = queryset.filter(label=label)
    if topic:
        queryset = queryset.filter(topic=topic)
    queryset = _search(queryset, search)
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


def model_quality(*, days: int = 90, bucket: str = "week") -> dict:
    """How good the classifier is, judged by operators' corrections.

    - ``auto_routed_share``: classified tickets that the classifier sent straight to a label's queue
      (not triage);
    - ``corrected_share``: classified tickets whose label an operator changed;
    - ``confusion``: override counts per predicted → corrected label;
    - ``timeline``: the same shares per day or week.
    """
    since = timezone.now() - timedelta(days=days)
    classified = Ticket.objects.filter(created_at__gte=since).exclude(classification_state=Ticket.ClassificationState.PENDING)
    totals = classified.aggregate(
        total=Count("id"),
        failed=Count("id", filter=Q(classification_state=Ticket.ClassificationState.FAILED)),
        corrected=Count("id", filter=Q(label_overridden=True)),
    )
    # Auto-routed = the classifier (no actor) moved the ticket out of triage into a label's queue.
    routed_events = TicketEvent.objects.filter(
        kind=TicketEvent.Kind.ROUTED, actor__isnull=True, ticket__in=classified
    ).exclude(new_value=TRIAGE_QUEUE_SLUG)
    auto_routed = routed_events.values("ticket_id").distinct().count()

    overrides = TicketEvent.objects.filter(kind=TicketEvent.Kind.OVERRIDE, created_at__gte=since)
    confusion = Counter()
    for row in overrides.values("old_value", "new_value").annotate(n=Count("id")):
        confusion[(row["old_value"] or "unsure", row["new_value"])] += row["n"]

    trunc = TruncDay if bucket == "day" else TruncWeek
    per_period: dict = defaultdict(lambda: {"classified": 0, "auto_routed": 0, "corrected": 0})
    for row in classified.annotate(period=trunc("created_at")).values("period").annotate(
        n=Count("id"), corrected=Count("id", filter=Q(label_overridden=True))
    ):
        per_period[row["period"]]["classified"] += row["n"]
        per_period[row["period"]]["corrected"] += row["corrected"]
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
        "corrected": totals["corrected"],
        "auto_routed_share": share(auto_routed, total),
        "corrected_share": share(totals["corrected"], total),
        "confusion": [
            {"predicted": predicted, "corrected": corrected, "count": count}
            for (predicted, corrected), count in sorted(confusion.items(), key=lambda item: (-item[1], item[0]))
        ],
        "timeline": timeline,
    }
