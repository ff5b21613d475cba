"""Where notifications to operators go besides the desk itself, behind one small protocol (like tickets.channels
for students).

The desk shows every OperatorNotification (the counter in its header); a sink sends it somewhere else. A sink
says where it would send one notification (``address_for``: an e-mail address, a chat id; "" when this one is
not for it, e.g. the operator does not want that kind by e-mail) and sends one outbox row (``send``, raising
``tickets.channels.DeliveryFailed(permanent=...)`` on failure). services.operator_notify is the only caller:
it writes one OperatorDelivery per (sink, address, event) and retries failures (services.outbox).

The e-mail sink is registered by ``TicketsConfig.ready``. The operators' Telegram chat (issue 11) lives in its
own app and calls ``sink_register(TheSink())`` from its ``AppConfig.ready``; a chat every operator shares
returns the same address for all of them, and gets each event once.
"""
from __future__ import annotations

from typing import Protocol

from ..models import OperatorDelivery, OperatorNotification
from ..registry import Registry


class OperatorSink(Protocol):
    name: str

    def address_for(self, notification: OperatorNotification) -> str:
        """Where this sink would send the notification, or "" when it should not."""

    def send(self, delivery: OperatorDelivery) -> None:
        """Send one delivery; raise (DeliveryFailed or anything else) when it did not go out."""


_sinks: Registry[OperatorSink] = Registry()
# Registered in AppConfig.ready; services look them up by name.
sink_register = _sinks.register
sink_unregister = _sinks.unregister
sinks_registered = _sinks.all
sink_get = _sinks.get
