"""The operators of a queue: who may be assigned, who is on duty, who carries how many open tickets."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from ..models import OperatorProfile, Queue, Ticket
from ..permissions import is_operator
from .access import operator_queues

User = get_user_model()


def queue_members(queue: Queue | int) -> QuerySet:
    """Active users whose operator profile includes the queue (or all queues): the team that works in it.

    Admins without such a profile see every queue but are not members: they are not notified of every new
    ticket nor assigned automatically.
    """
    return User.objects.filter(is_active=True, pk__in=_member_ids(queue)).order_by("username")


def _member_ids(queue: Queue | int) -> QuerySet:
    queue_id = queue if isinstance(queue, int) else queue.pk
    # A subquery, not a join: a profile listing the queue and also "all queues" must not give its user twice.
    return OperatorProfile.objects.filter(Q(queues=queue_id) | Q(all_queues=True)).values("user_id")


def assignable_operators(user) -> QuerySet:
    """Everyone a ticket of some queue ``user`` sees may be assigned to (the bulk bar offers them; the service still
    checks each ticket's own queue)."""
    ids = OperatorProfile.objects.filter(Q(queues__in=operator_queues(user)) | Q(all_queues=True)).values("user_id")
    return User.objects.filter(Q(pk__in=ids) | Q(is_staff=True) | Q(is_superuser=True), is_active=True).distinct().order_by("username")


def queue_assignees(queue: Queue | int) -> QuerySet:
    """Everyone a ticket of the queue may be assigned to: its members and the active admins."""
    return User.objects.filter(Q(pk__in=_member_ids(queue)) | Q(is_staff=True) | Q(is_superuser=True), is_active=True).order_by("username")


def may_work_in(user, queue: Queue | int) -> bool:
    """``user`` is an operator who may see the queue (so may be assigned, mentioned, notified about its tickets)."""
    queue_id = queue if isinstance(queue, int) else queue.pk
    return is_operator(user) and operator_queues(user).filter(pk=queue_id).exists()


def open_load() -> Subquery:
    """An annotation for users: how many open tickets (new, open, waiting) are assigned to each."""
    counts = (
        Ticket.objects.filter(assignee=OuterRef("pk"), status__in=Ticket.OPEN_STATUSES)
        .order_by().values("assignee").annotate(n=Count("id")).values("n")[:1]
    )
    return Coalesce(Subquery(counts), 0)


def available_by_load(queue: Queue | int, *, capacity: int = 0) -> QuerySet:
    """The queue's members on duty, least loaded first; among equals, the one assigned automatically longest ago
    (never first): round-robin. ``capacity`` > 0 leaves out those who already carry that many open tickets."""
    members = (
        queue_members(queue).filter(operator_profile__available=True)
        .annotate(load=open_load())
        .order_by("load", F("operator_profile__last_assigned_at").asc(nulls_first=True), "id")
    )
    return members.filter(load__lt=capacity) if capacity > 0 else members


def my_open_count(user) -> int:
    """Open tickets assigned to ``user`` in queues they may see (the "My tickets" counter)."""
    return Ticket.objects.filter(assignee=user, status__in=Ticket.OPEN_STATUSES, queue__in=operator_queues(user)).count()
