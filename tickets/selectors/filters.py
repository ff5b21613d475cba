"""Filters of the operators' ticket lists (web queue pages and ``GET /api/tickets/``), with django-filter.

Every value is validated before it reaches the database: an unknown queue, status, label or topic is a
400 with the field's error, and so is a NUL byte in any value (PostgreSQL refuses NUL in text, which
would otherwise be a 500). Choices come from the database (queues the user may see, intents, topics),
so the filters list exactly what the admin configured.
"""
from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .. import vocabulary
from ..models import Intent, Queue, Ticket, Topic
from ..search import ticket_matches

# "Not closed": new, open and waiting together. Its value differs from every Ticket.Status value (each of those
# filters exactly): were it "open", choosing the status "Open" would list new and waiting tickets too (issue 8).
ACTIVE = "active"
ORDERINGS = {"newest": ("-created_at", "-id"), "oldest": ("created_at", "id")}
ORDER_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first"))]


def topic_choices() -> list[tuple[str, str]]:
    """The active topics in the admin's order, named as everywhere else (tickets.vocabulary): ``[(name, title)]``."""
    return [(topic.name, vocabulary.topic_name(topic)) for topic in Topic.objects.filter(is_active=True)]


def label_choices() -> list[tuple[str, str]]:
    """Every intent (inactive ones too: old tickets keep their labels)."""
    return [(name, name) for name in Intent.objects.order_by("name").values_list("name", flat=True)]


def status_choices() -> list[tuple[str, str]]:
    """``ACTIVE`` (new + open + waiting), then each status on its own."""
    return [(ACTIVE, _("Not closed (new, open, waiting)")), *Ticket.Status.choices]


class TicketFilter(django_filters.FilterSet):
    """``queue`` (slug), ``status`` (one status, or ``active``), ``label``, ``topic``, ``search`` (tickets.search),
    ``order``."""

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
        if value == ACTIVE:
            return queryset.filter(status__in=Ticket.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_search(self, queryset, name, value):
        return ticket_matches(queryset, value)

    def filter_order(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])
