"""Keeping the operators' search (tickets.search) up to date: every service that writes a ticket's searchable text
(ticket_create, ticket_student_reply, ticket_reply, ticket_note, prediction_record's OCR, ticket_merge) calls
``ticket_search_refresh`` in its transaction, so a ticket is findable the moment the write commits."""
from __future__ import annotations

from django.db.models import Q

from .. import search
from ..models import Message, Prediction, Ticket, TicketSearchDocument

# What the search reads of the conversation: the student, the operators, their internal notes (operators search,
# students never do). Automatic answers and system lines would make every auto-answered ticket match the FAQ.
SEARCHED_AUTHORS = (Message.Author.STUDENT, Message.Author.OPERATOR, Message.Author.NOTE)


def document_texts(*, ticket_name: str, student_name: str, email: str, conversation: list[str], ocr: list[str]) -> tuple[str, str, str]:
    """``(people, conversation, ocr)`` folded, each text once (the description is also the first message)."""
    people = " ".join(dict.fromkeys(part for part in (ticket_name, student_name, email) if part))
    return (
        search.fold(people),
        search.fold("\n".join(dict.fromkeys(text for text in conversation if text))),
        search.fold("\n".join(dict.fromkeys(text for text in ocr if text))),
    )


def document_save(model, ticket_id: int, people: str, conversation: str, ocr: str, *, using: str = "default") -> None:
    """Write one document row (``model``: TicketSearchDocument, or its historical model in a migration)."""
    postgresql = search.is_postgresql(using)
    stems = "" if postgresql else search.stems_text((people, conversation, ocr))
    model.objects.using(using).update_or_create(ticket_id=ticket_id, defaults={"people": people, "stems": stems})
    if postgresql:
        model.objects.using(using).filter(ticket_id=ticket_id).update(
            vector=search.search_vector(search.vector_names(people), conversation, ocr)
        )


def ticket_search_refresh(ticket_id: int) -> None:
    """Rebuild one ticket's search document from the database (three small queries and one or two writes).

    The OCR of tickets merged into this one is included and a merged ticket keeps none: the screenshots moved
    (services.merge)."""
    ticket = Ticket.objects.select_related("student").get(pk=ticket_id)
    conversation = [ticket.description, *Message.objects.filter(ticket_id=ticket_id, author_kind__in=SEARCHED_AUTHORS)
                    .order_by("created_at", "id").values_list("body", flat=True)]
    ocr = list(Prediction.objects.filter(Q(ticket_id=ticket_id, ticket__merged_into__isnull=True) | Q(ticket__merged_into_id=ticket_id), error="")
               .exclude(ocr_text="").order_by("created_at", "id").values_list("ocr_text", flat=True))
    people, conversation_text, ocr_text = document_texts(
        ticket_name=ticket.name, student_name=ticket.student.name, email=ticket.student.email, conversation=conversation, ocr=ocr,
    )
    document_save(TicketSearchDocument, ticket_id, people, conversation_text, ocr_text)
