"""Filters of the operators' ticket lists (web queue pages and ``GET /api/tickets/``), with django-filter.

Every value is validated before it reaches the database: an unknown queue, status, label or topic is a
400 with the field's error, and so is a NUL byte in any value (PostgreSQL refuses NUL in text, which
would otherwise be a 500). Choices come from the database (queues the user may see, intents, topics),
so the filters list exactly what the admin configured.
"""
from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ..models import Intent, Queue, Ticket, Topic

STATUS_OPEN = "open"  # every unresolved status (new, open, waiting)
ORDERINGS = {"newest": ("-created_at", "-id"), "oldest": ("created_at", "id")}
ORDER_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]


def topic_choices() -> list[tuple[str, str]]:
    """The active topics, as the admin orders and titles them: ``[(name, title or name)]``."""
    return [(topic.name, str(topic)) for topic in Topic.objects.filter(is_active=True)]


def label_choices() -> list[tuple[str, str]]:
    """Every intent (inactive ones too: old tickets keep their labels)."""
    return [(name, name) for name in Intent.objects.order_by("name").values_list("name", flat=True)]


def status_choices() -> list[tuple[str, str]]:
    return [(STATUS_OPEN, _("Open (new, open, waiting)")), *Ticket.Status.choices]


def ticket_search(queryset: QuerySet[Ticket], search: str) -> QuerySet[Ticket]:
    """A ticket number (``42`` or ``#42``), an e-mail address (exact, case-insensitive), or text in the
    description, the student's name or e-mail."""
    search = (search or "").strip()
    if not search:
        return queryset
    if search.lstrip("#").isdigit():
        return queryset.filter(Q(pk=int(search.lstrip("#"))) | Q(description__icontains=search))
    if "@" in search:
        if " " in search:
            return queryset.filter(student__email__icontains=search)
        # Students' addresses are stored lower-case under a unique index: an exact match uses it.
        return queryset.filter(student__email=search.lower())
    return queryset.filter(Q(description__icontains=search) | Q(name__icontains=search) | Q(student__email__icontains=search))


class TicketFilter(django_filters.FilterSet):
    """``queue`` (slug), ``status`` (one status or ``open``), ``label``, ``topic``, ``search``, ``order``."""

    queue = django_filters.ModelChoiceFilter(field_name="queue", to_field_name="slug", queryset=Queue.objects.none())
    status = django_filters.ChoiceFilter(choices=status_choices, method="filter_status")
    label = django_filters.ChoiceFilter(choices=label_choices)
    topic = django_filters.ChoiceFilter(choices=topic_choices)
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    order = django_filters.ChoiceFilter(choices=ORDER_CHOICES, method="filter_order")

    class Meta:
        model = Ticket
        fields = ["queue", "status", "label", "topic", "search", "order"]

    def __init__(self, data=None, queryset=None, *, queues: QuerySet[Queue], **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # Only the queues this user may see are valid choices: another queue is "not a valid choice",
        # exactly like one that does not exist.
        self.filters["queue"].queryset = queues

    def filter_status(self, queryset, name, value):
        if value == STATUS_OPEN:
            return queryset.filter(status__in=Ticket.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_search(self, queryset, name, value):
        return ticket_search(queryset, value)

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
