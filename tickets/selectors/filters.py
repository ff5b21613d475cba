"""Filters of the operators' ticket lists (web queue pages and ``GET /api/tickets/``), with django-filter.

Every value is validated before it reaches the database: an unknown queue, status, label or topic is a
400 with the field's error, and so is a NUL byte in any value (PostgreSQL refuses NUL in text, which
would otherwise be a 500). Choices come from the database (queues the user may see, intents, topics),
so the filters list exactly what the admin configured.
"""
from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .. import vocabulary
from ..models import Intent, Queue, Ticket, Topic
from ..search import ranked, ticket_matches
from ..sla import urgency_ordered

User = get_user_model()

# "Not closed": new, open and waiting together. Its value differs from every Ticket.Status value (each of those
# filters exactly): were it "open", choosing the status "Open" would list new and waiting tickets too (issue 8).
ACTIVE = "active"
ORDERINGS = {"newest": ("-created_at", "-id"), "oldest": ("created_at", "id")}
# "urgent" (tickets.sla.urgency_ordered): the desk's turn first, nearest or most overdue target first. The queue
# pages' default; the API's default stays "newest".
URGENT = "urgent"
ORDER_CHOICES = [("newest", _("Newest first")), ("oldest", _("Oldest first")), (URGENT, _("Most urgent first"))]
# "relevance": the best match of the search first (tickets.search.ranked; the search page's default, newest on SQLite).
RELEVANCE = "relevance"
FILTER_ORDER_CHOICES = [*ORDER_CHOICES, (RELEVANCE, _("Best match first"))]
# The assignee filter: the requesting operator, nobody, or an operator's username.
ASSIGNEE_ME, ASSIGNEE_NONE = "me", "none"


def topic_choices() -> list[tuple[str, str]]:
    """The active topics in the admin's order, named as everywhere else (tickets.vocabulary): ``[(name, title)]``."""
    return [(topic.name, vocabulary.topic_name(topic)) for topic in Topic.objects.filter(is_active=True)]


def label_choices() -> list[tuple[str, str]]:
    """Every intent (inactive ones too: old tickets keep their labels)."""
    return [(name, name) for name in Intent.objects.order_by("name").values_list("name", flat=True)]


def status_choices() -> list[tuple[str, str]]:
    """``ACTIVE`` (new + open + waiting), then each status on its own."""
    return [(ACTIVE, _("Not closed (new, open, waiting)")), *Ticket.Status.choices]


class AssigneeField(forms.CharField):
    """``me``, ``none`` or the username of an active user; anything else is "unknown" (a 400 in the API)."""

    def clean(self, value):
        value = super().clean(value)
        if value in ("", ASSIGNEE_ME, ASSIGNEE_NONE):
            return value
        user = User.objects.filter(username=value, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("No active operator is called %(user)s.") % {"user": value}, code="invalid_choice")
        return user


class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField


class TicketFilter(django_filters.FilterSet):
    """``queue`` (slug), ``status`` (one status, or ``active``), ``label``, ``topic``, ``assignee`` (``me``, ``none``
    or a username), ``search`` or its short name ``q`` (tickets.search), ``order``."""

    queue = django_filters.ModelChoiceFilter(field_name="queue", to_field_name="slug", queryset=Queue.objects.none())
    status = django_filters.ChoiceFilter(choices=status_choices, method="filter_status")
    label = django_filters.ChoiceFilter(choices=label_choices)
    topic = django_filters.ChoiceFilter(choices=topic_choices)
    search = django_filters.CharFilter(method="filter_search", max_length=200)
    q = django_filters.CharFilter(method="filter_search", max_length=200)
    assignee = AssigneeFilter(method="filter_assignee", max_length=150)
    order = django_filters.ChoiceFilter(choices=FILTER_ORDER_CHOICES, method="filter_order")

    class Meta:
        model = Ticket
        fields = ["queue", "status", "label", "topic", "assignee", "search", "q", "order"]

    def __init__(self, data=None, queryset=None, *, queues: QuerySet[Queue], user=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        # Only the queues this user may see are valid choices: another queue is "not a valid choice",
        # exactly like one that does not exist.
        self.filters["queue"].queryset = queues
        self.user = user

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNEE_ME:
            return queryset.filter(assignee=self.user) if self.user is not None else queryset.none()
        if value == ASSIGNEE_NONE:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee=value)

    def filter_status(self, queryset, name, value):
        if value == ACTIVE:
            return queryset.filter(status__in=Ticket.OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_queryset(self, queryset):
        # The search and the order last (every other filter is a plain condition, so the result is the same), with
        # the list before the search kept for "best match first" (tickets.search.ranked's ``unsearched``).
        data = self.form.cleaned_data
        late = ("search", "q", "order")
        for name, value in data.items():
            if name not in late:
                queryset = self.filters[name].filter(queryset, value)
        self.unsearched = queryset
        for name in late:
            queryset = self.filters[name].filter(queryset, data.get(name))
        return queryset

    def filter_search(self, queryset, name, value):
        return ticket_matches(queryset, value)

    def filter_order(self, queryset, name, value):
        if value == RELEVANCE:
            q, search = self.form.cleaned_data.get("q"), self.form.cleaned_data.get("search")
            # Both given and different: the newest matches of one would skip the other's condition.
            unsearched = self.unsearched if not (q and search and q != search) else None
            return ranked(queryset, q or search or "", unsearched=unsearched)
        if value == URGENT:
            return urgency_ordered(queryset)
        return queryset.order_by(*ORDERINGS[value])
