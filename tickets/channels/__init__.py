"""The channels a message reaches a student through, behind one small protocol.

A channel says where it would send a ticket's messages (``address_for``: an e-mail address, a chat id;
"" when it cannot reach this student) and sends one outbox row (``send``). services.notify is the only
caller: it writes one Delivery per channel that reaches the student and retries failures.

The e-mail channel is registered by ``TicketsConfig.ready``. A new channel (Telegram, issue 11) lives in
its own app and calls ``channel_register(TheChannel())`` from its ``AppConfig.ready``.
"""
from __future__ import annotations

from typing import Protocol

from ..models import Delivery, Ticket
from ..registry import Registry


class DeliveryFailed(Exception):
    """The channel could not send. ``permanent``: retrying cannot help (an address the server refuses)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    name: str

    def address_for(self, ticket: Ticket) -> str:
        """Where this channel would send the ticket's messages, or "" when it cannot reach the student."""

    def send(self, delivery: Delivery) -> None:
        """Send one delivery; raise (DeliveryFailed or anything else) when it did not go out."""


_channels: Registry[Channel] = Registry()
# Registered in AppConfig.ready; services look them up by name.
channel_register = _channels.register
channel_unregister = _channels.unregister
channels_registered = _channels.all
channel_get = _channels.get
