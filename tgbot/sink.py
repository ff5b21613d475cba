"""The operators' Telegram chat (tickets.sinks): new tickets, escalations, SLA warnings and students' replies,
with a desk link.

One chat every operator shares: ``address_for`` gives the same chat for each recipient of an event and the
outbox (OperatorDelivery is unique per sink, address and event) posts it once. Nothing when
SUPPORTDESK_TELEGRAM_OPERATORS_CHAT or the token is not set.
"""
from __future__ import annotations

from django.conf import settings
from django.utils import translation

from tickets.models import OperatorDelivery, OperatorNotification
from tickets.notices import ticket_desk_url, notification_line

from . import api, texts

Kind = OperatorNotification.Kind
# New tickets (triage included, and tickets moved to another queue), a student's reply, an escalation after an
# automatic answer ("I need an operator", or no feedback in time), targets about to be missed. Mentions and
# assignments are personal.
CHAT_KINDS = (Kind.NEW_TICKET, Kind.STUDENT_REPLY, Kind.ESCALATED, Kind.SLA_WARNING)


class OperatorsChatSink:
    name = "telegram"

    def address_for(self, notification: OperatorNotification) -> str:
        chat = settings.SUPPORTDESK_TELEGRAM_OPERATORS_CHAT
        if not chat or not api.is_configured() or notification.kind not in CHAT_KINDS:
            return ""
        return str(chat)

    def send(self, delivery: OperatorDelivery) -> None:
        notification = (
            OperatorNotification.objects.select_related("ticket__queue", "actor", "message").get(pk=delivery.notification_id)
        )
        with translation.override(settings.LANGUAGE_CODE):
            text = texts.operators_line(notification_line(notification), ticket_desk_url(notification.ticket_id))
        api.message_send(delivery.address, text)
