"""What the desk shows an operator about themselves: their notifications and the counters in the header."""
from __future__ import annotations

from django.db.models import QuerySet

from ..models import OperatorNotification
from .operators import my_open_count

RECENT = 50


def notifications_for(user, *, limit: int = RECENT) -> list[OperatorNotification]:
    """The newest notifications of ``user`` (read ones too), with what their lines need joined."""
    return list(_joined(OperatorNotification.objects.filter(recipient=user))[:limit])


def notifications_unread(user, *, limit: int = 5) -> list[OperatorNotification]:
    return list(_joined(OperatorNotification.objects.filter(recipient=user, read_at__isnull=True))[:limit])


def _joined(queryset: QuerySet[OperatorNotification]) -> QuerySet[OperatorNotification]:
    return queryset.select_related("ticket__queue", "actor").order_by("-created_at", "-id")


def desk_counters(user) -> dict[str, int]:
    """The header's counters: unread notifications, open tickets assigned to me."""
    return {
        "unread": OperatorNotification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "mine": my_open_count(user),
    }
