"""Inline buttons: "It helped" / "I need an operator" under an automatic answer, 1–5 under a rating request.

They call the very services the status page calls (auto_answer_feedback, ticket_rate), for the pressing
user's own tickets only. ``callback_data``: ``fb:<ticket>:<1|0>`` and ``rate:<ticket>:<score>``.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from tickets.models import Ticket
from tickets.services import auto_answer_feedback, ticket_rate

from .. import api, texts
from .accounts import account_for_user
from .outgoing import outgoing_queue
from .records import update_record


def feedback_buttons(ticket_id: int) -> list[list[dict]]:
    return [[{"text": texts.helped(), "callback_data": f"fb:{ticket_id}:1"},
             {"text": texts.need_operator(), "callback_data": f"fb:{ticket_id}:0"}]]


def rating_buttons(ticket_id: int) -> list[list[dict]]:
    return [[{"text": str(score), "callback_data": f"rate:{ticket_id}:{score}"} for score in range(1, 6)]]


def _parse(data: str) -> tuple[str, int, int] | None:
    action, _sep, rest = (data or "").partition(":")
    ticket_id, _sep, value = rest.partition(":")
    if action not in ("fb", "rate") or not ticket_id.isdigit() or not value.isdigit():
        return None
    return action, int(ticket_id), int(value)


def callback_handle(update_id: int, query: dict) -> str:
    account = account_for_user(query["from"])
    message = query.get("message") or {}
    chat_id = (message.get("chat") or {}).get("id") or account.chat_id or account.user_id
    parsed = _parse(query.get("data") or "")
    with translation.override(texts.chat_language(account.language_code)), transaction.atomic():
        update_record(update_id, "callback", account=account, chat_id=chat_id, payload=query, note=(query.get("data") or "")[:200])
        ticket = Ticket.objects.filter(pk=parsed[1], student=account.student).first() if parsed else None
        if ticket is None:
            answer, outcome = texts.not_yours(), "refused"
        else:
            action, _ticket_id, value = parsed
            try:
                if action == "fb":
                    auto_answer_feedback(ticket=ticket, solved=bool(value))
                    answer = texts.feedback_solved() if value else texts.feedback_escalated()
                else:
                    ticket_rate(ticket=ticket, score=value)
                    answer = texts.rating_thanks(value)
                outcome = action
            except ValidationError as exc:
                answer, outcome = " ".join(exc.messages), "rejected"
            outgoing_queue(key=f"update-{update_id}", chat_id=chat_id, text=answer)
        query_id = query.get("id")
        if query_id:
            transaction.on_commit(lambda: api.callback_answer(query_id, answer if outcome == "refused" else ""))
    return outcome
