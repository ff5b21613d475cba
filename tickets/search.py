"""Finding tickets by what an operator types: a ticket number, an e-mail, or words of the name or text.

Case-insensitive in every alphabet on both databases, and "ё" matches "е" (students write either). SQLite's
LOWER() and LIKE fold ASCII only ("волков" would not find "Волков"), so on SQLite the text is folded by a
Python function registered on each connection (``register_sqlite_functions``, connected in tickets.apps);
PostgreSQL's LOWER() folds by the database's ctype (Debian's default C.UTF-8/xx_XX.UTF-8 fold Cyrillic).

A plain substring scan, one pass over the visible tickets; issue 12 replaces ``ticket_matches`` with
full-text search (Russian word forms) behind the same ``selectors.ticket_search``.
"""
from __future__ import annotations

import re

from django.db.models import Func, Q, QuerySet, TextField

from .models import Student

SQLITE_FOLD_FUNCTION = "supportdesk_fold"
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def fold(text: str) -> str:
    """What both sides of a comparison are reduced to."""
    return (text or "").lower().replace("ё", "е")


class Folded(Func):
    """``fold(expression)`` in SQL."""

    template = "REPLACE(LOWER(%(expressions)s), 'ё', 'е')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template=f"{SQLITE_FOLD_FUNCTION}(%(expressions)s)", **extra_context)


def register_sqlite_functions(sender, connection, **kwargs) -> None:
    """``connection_created`` receiver: teach every new SQLite connection ``supportdesk_fold``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FOLD_FUNCTION, 1, lambda value: None if value is None else fold(value), deterministic=True)


def ticket_matches(queryset: QuerySet, query: str) -> QuerySet:
    """The tickets of ``queryset`` that ``query`` finds; an empty query finds them all."""
    query = (query or "").strip()
    if not query:
        return queryset
    if query.lstrip("#").isdigit():
        return queryset.filter(Q(pk=int(query.lstrip("#"))) | Q(description__contains=query))
    if EMAIL.fullmatch(query):
        # A whole address: students' addresses are stored normalised under a unique index (Student.email), so an
        # exact match uses it. A part of one ("anna@") is searched as words below.
        return queryset.filter(student__email=Student.normalize_email(query))
    needle = fold(query)
    return queryset.annotate(
        folded_name=Folded("name"), folded_email=Folded("student__email"), folded_description=Folded("description"),
    ).filter(Q(folded_name__contains=needle) | Q(folded_email__contains=needle) | Q(folded_description__contains=needle))
