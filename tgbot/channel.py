"""The Telegram channel to students (tickets.channels): the desk's messages sent by the bot, never forwarded.

A ticket reaches the student in Telegram when its student has a TelegramAccount with a private chat. The
outbox (tickets.services.notify) writes the Delivery and retries it; ``send`` renders one delivery in the
ticket's language and calls sendMessage: an automatic answer with "It helped" / "I need an operator", a rating
request with 1–5 buttons (tgbot.services.callbacks handles the presses), a person's resolve or close
without a reply as one line.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from tickets.models import Delivery, Ticket

from . import api, texts
from .models import TelegramAccount
from .services.callbacks import feedback_buttons, rating_buttons


def _render(delivery: Delivery) -> tuple[str, list]:
    payload = delivery.payload or {}
    ticket_id, body = delivery.ticket_id, payload.get("body", "")
    kind = delivery.kind
    if kind == Delivery.Kind.RECEIVED:
        return texts.received(ticket_id), []
    if kind == Delivery.Kind.REPLY:
        return texts.reply(ticket_id, body), []
    if kind == Delivery.Kind.AUTO_ANSWER:
        return texts.auto_answer(ticket_id, body), feedback_buttons(ticket_id)
    if kind == Delivery.Kind.RATING_REQUEST:
        return texts.rating_question(ticket_id), rating_buttons(ticket_id)
    if kind == Delivery.Kind.STATUS_CHANGED:
        return texts.status_changed(ticket_id, payload.get("status", "")), []
    return body, []  # OFFTOPIC and any later kind: the message itself


class TelegramChannel:
    name = "telegram"

    def address_for(self, ticket: Ticket) -> str:
        if not api.is_configured():
            return ""
        chat_id = TelegramAccount.objects.filter(student_id=ticket.student_id).values_list("chat_id", flat=True).first()
        return str(chat_id) if chat_id else ""

    def render(self, delivery: Delivery) -> tuple[str, list]:
        language = (delivery.payload or {}).get("language") or settings.LANGUAGE_CODE
        with translation.override(language):
            return _render(delivery)

    def send(self, delivery: Delivery) -> None:
        text, buttons = self.render(delivery)
        api.message_send(delivery.address, text, buttons=buttons)
