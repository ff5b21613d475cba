"""Links to a ticket that leave the desk (e-mails, Telegram messages, API answers)."""
from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from .models import Ticket


def ticket_status_path(ticket: Ticket) -> str:
    """The student's status page: the secret token is the only key to it."""
    return reverse("student:ticket_status", kwargs={"token": ticket.public_token})


def ticket_status_url(ticket: Ticket) -> str:
    """Absolute status link for messages sent outside a request (SUPPORTDESK_PUBLIC_BASE_URL + path)."""
    return settings.SUPPORTDESK_PUBLIC_BASE_URL.rstrip("/") + ticket_status_path(ticket)
