"""The admin's lists of big tables (tickets, predictions, events) without counting every row.

Django's admin paginator runs ``COUNT(*)`` over the filtered list on every page: at a million tickets that reads
the whole table or index for a number nobody needs exactly. ``CappedCountPaginator`` counts at most
``COUNT_CAP + 1`` rows (``COUNT(*)`` over a ``LIMIT``); past that, PostgreSQL's own estimate of an unfiltered
table's rows (``pg_class.reltuples``, kept by autovacuum/ANALYZE) gives the page links, or the cap does.
"""
from __future__ import annotations

from django.contrib import admin
from django.contrib.admin import helpers
from django.core.paginator import Paginator
from django.db import connections
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import vocabulary
from .models import Topic

COUNT_CAP = 10_000  # 100 admin pages of 100


class PlainActionCheckbox:
    """A ModelAdmin mixin: each row's action checkbox as Django renders it, without rendering a form widget's template
    per row (CheckboxInput through the form renderer: ~18 % of the admin ticket list's CPU time, 50 rows, measured
    with cProfile at 1M tickets). The markup is Django's (tests/tickets/test_admin_paging.py compares them)."""

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), obj)
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">', helpers.ACTION_CHECKBOX_NAME, str(obj.pk), label,
        )


class CappedCountPaginator(Paginator):
    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        counted = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
        if counted <= COUNT_CAP:
            return counted
        estimate = _table_estimate(queryset)
        return max(estimate, COUNT_CAP) if estimate is not None else COUNT_CAP


def _table_estimate(queryset) -> int | None:
    """PostgreSQL's estimate of the rows of an unfiltered list's table; None when filtered or elsewhere."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or queryset.query.where:
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table])
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] and row[0] > 0 else None


class TopicListFilter(admin.SimpleListFilter):
    """The ticket list's topic filter with the choices of the Topic table. Django's filter of a plain field lists
    its values with ``SELECT DISTINCT topic FROM tickets``: every ticket on every page (120 ms at 100k)."""

    title = _("topic")
    parameter_name = "topic"

    def lookups(self, request, model_admin):
        return [(topic.name, vocabulary.topic_name(topic)) for topic in Topic.objects.all()]

    def queryset(self, request, queryset):
        return queryset.filter(topic=self.value()) if self.value() else queryset
