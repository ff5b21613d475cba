"""The ticket page's view of the same student: their other tickets (history) and the likely duplicates to merge."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from rapidfuzz import fuzz

from ..models import Ticket
from ..search import fold
from .access import operator_queues

# History rows shown on the ticket page (a student with more sees "and N more" through the search by e-mail).
HISTORY_LIMIT = 20
# A likely duplicate: another ticket of the same student within this many days of this one...
DUPLICATE_WINDOW = timedelta(days=14)
# ...and "near-identical" when created within a day with texts this similar (rapidfuzz token_set_ratio, 0-100):
# a student who sends the same form twice, or adds a word.
NEAR_IDENTICAL_WINDOW = timedelta(days=1)
NEAR_IDENTICAL_RATIO = 90
# Another contact (a second e-mail, then Telegram: often one person) is suggested only when near-identical. Bounded:
# the tickets of the operator's queues created within NEAR_IDENTICAL_WINDOW of this one, the latest
# OTHER_CONTACT_CANDIDATES of them (a range scan of the index ticket_queue_created_id per queue; for a fresh ticket the
# latest are the nearest), each compared once by rapidfuzz (measured 29 µs for two ~370-character texts: ~6 ms for 200).
OTHER_CONTACT_CANDIDATES = 200
# What a duplicate's row shows and is compared by: the candidates are loaded with these columns only — 200 whole
# tickets with their queue and student were ~450 model instances and ~1,100 parsed dates per ticket page at 1M.
DUPLICATE_FIELDS = ("id", "description", "created_at", "name", "source", "student__email")
# token_set_ratio scores 100 whenever one text's words are all in the other ("не работает" in any longer complaint):
# across students a text this short is not evidence of the same person.
OTHER_CONTACT_MIN_WORDS = 3


@dataclass
class StudentTickets:
    visible: list[Ticket] = field(default_factory=list)  # newest first, at most HISTORY_LIMIT
    visible_total: int = 0
    hidden_count: int = 0  # in queues this operator may not see: counted, never shown


@dataclass(frozen=True)
class Duplicate:
    ticket: Ticket
    similarity: int  # 0-100
    near_identical: bool
    other_contact: bool = False  # another Student: merged only when the operator confirms it is the same person


def student_history(user, ticket: Ticket) -> StudentTickets:
    """The student's other tickets: those in the user's queues (newest first), and how many others exist."""
    others = Ticket.objects.filter(student_id=ticket.student_id).exclude(pk=ticket.pk)
    queues = operator_queues(user)
    visible = others.filter(queue__in=queues)
    # Both counts in one query (the ticket page's query count is asserted: tests/tickets/test_page_queries.py).
    counts = others.aggregate(total=Count("pk"), visible=Count("pk", filter=Q(queue__in=queues)))
    total, visible_total = counts["total"], counts["visible"]
    rows = list(visible.select_related("queue").order_by("-created_at", "-id")[:HISTORY_LIMIT])
    return StudentTickets(visible=rows, visible_total=visible_total, hidden_count=total - visible_total)


def _text(ticket: Ticket) -> str:
    return " ".join(fold(ticket.description).split())


def likely_duplicates(user, ticket: Ticket, limit: int = 5) -> list[Duplicate]:
    """Tickets this one could be merged into or with, in the user's queues and not merged: the student's other tickets
    created within DUPLICATE_WINDOW, and other students' near-identical ones (``other_contact``: services.merge asks
    the operator to confirm it is the same person); near-identical first, then the most similar text."""
    if ticket.merged_into_id:
        return []
    queues = operator_queues(user)
    own = (
        Ticket.objects.filter(student_id=ticket.student_id, queue__in=queues, merged_into__isnull=True,
                              created_at__gte=ticket.created_at - DUPLICATE_WINDOW, created_at__lte=ticket.created_at + DUPLICATE_WINDOW)
        .exclude(pk=ticket.pk).select_related("student").only(*DUPLICATE_FIELDS).order_by("-created_at", "-id")[:50]
    )
    text = _text(ticket)
    found = []
    for other in own:
        other_text = _text(other)
        similarity = int(fuzz.token_set_ratio(text, other_text)) if text and other_text else 0
        near = similarity >= NEAR_IDENTICAL_RATIO and abs(other.created_at - ticket.created_at) <= NEAR_IDENTICAL_WINDOW
        found.append(Duplicate(ticket=other, similarity=similarity, near_identical=near))
    if len(text.split()) >= OTHER_CONTACT_MIN_WORDS:
        found += _other_contacts(queues, ticket, text)
    found.sort(key=lambda d: (not d.near_identical, -d.similarity, -d.ticket.created_at.timestamp()))
    return found[:limit]


def _other_contacts(queues, ticket: Ticket, text: str) -> list[Duplicate]:
    candidates = (
        Ticket.objects.filter(queue__in=queues, merged_into__isnull=True,
                              created_at__gte=ticket.created_at - NEAR_IDENTICAL_WINDOW, created_at__lte=ticket.created_at + NEAR_IDENTICAL_WINDOW)
        .exclude(student_id=ticket.student_id).select_related("student").only(*DUPLICATE_FIELDS)
        .order_by("-created_at", "-id")[:OTHER_CONTACT_CANDIDATES]
    )
    found = []
    for other in candidates:
        other_text = _text(other)
        if len(other_text.split()) < OTHER_CONTACT_MIN_WORDS:
            continue
        similarity = int(fuzz.token_set_ratio(text, other_text))
        if similarity >= NEAR_IDENTICAL_RATIO:
            found.append(Duplicate(ticket=other, similarity=similarity, near_identical=True, other_contact=True))
    return found
