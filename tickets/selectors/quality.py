"""How good the classifier is, judged by operators' corrections (the admins' model-quality page)."""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from ..models import TRIAGE_QUEUE_SLUG, Ticket, TicketEvent


def last_override_annotate(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Add ``predicted`` and ``corrected``: the old and new label of each ticket's last override (None without one).

    Two correlated subqueries on the events' ticket index, one row each per ticket."""
    last = TicketEvent.objects.filter(ticket=OuterRef("pk"), kind=TicketEvent.Kind.OVERRIDE).order_by("-created_at", "-id")
    return tickets.annotate(
        predicted=Subquery(last.values("old_value")[:1]), corrected=Subquery(last.values("new_value")[:1]),
    )


def is_correction(predicted: str | None, corrected: str | None) -> bool:
    """Whether a ticket's last override really changed its label (the rule of the quality page and the reports).

    A ticket's last override decides (its ``old_value`` is the prediction it corrected): a label set back to
    the prediction, or set to the label it already had, is not a correction, however many overrides led there.
    """
    return corrected is not None and (predicted or "unsure") != corrected


def _corrections(classified: QuerySet[Ticket], trunc) -> list[dict]:
    """One row per ticket an operator really corrected: ``{"predicted", "corrected", "period"}`` (``is_correction``)."""
    rows = (
        last_override_annotate(classified.annotate(period=trunc("created_at")))
        .filter(corrected__isnull=False)
        .values("predicted", "corrected", "period")
    )
    return [{**row, "predicted": row["predicted"] or "unsure"} for row in rows if is_correction(row["predicted"], row["corrected"])]


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
