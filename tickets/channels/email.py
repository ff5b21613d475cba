"""The e-mail channel: the student's address on their Student record, texts in the ticket's language."""
from __future__ import annotations

from email.utils import parseaddr
from smtplib import SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django.utils.translation import gettext as _

from ..links import ticket_status_url
from ..models import Delivery, Ticket
from . import DeliveryFailed


def _received(values: dict) -> tuple[str, str]:
    return (
        _("Your request #%(id)s has been received") % values,
        _("Hello, %(name)s!\n\nWe have received your request. Its status and our answers are here:\n%(url)s\n\n"
          "Keep this link private: anyone who has it can read the conversation.") % values,
    )


def _reply(values: dict) -> tuple[str, str]:
    return (
        _("New answer to your request #%(id)s") % values,
        _("Hello, %(name)s!\n\nSupport has answered:\n\n%(body)s\n\nReply or follow the request here:\n%(url)s") % values,
    )


def _auto_answer(values: dict) -> tuple[str, str]:
    return (
        _("Automatic answer to your request #%(id)s") % values,
        _("Hello, %(name)s!\n\nThis is an automatic answer from our knowledge base:\n\n%(body)s\n\n"
          "Did it solve your problem? Please tell us on the request page (\"This solved it\" or "
          "\"I still need help\"; then an operator will answer):\n%(url)s") % values,
    )


def _offtopic(values: dict) -> tuple[str, str]:
    return (
        _("Your request #%(id)s has been closed") % values,
        _("Hello, %(name)s!\n\n%(body)s\n\n%(url)s") % values,
    )


def _rating_request(values: dict) -> tuple[str, str]:
    # The operator's reply it is carried by was e-mailed already: only the question here.
    return (
        _("How did we do with your request #%(id)s?") % values,
        _("Hello, %(name)s!\n\nYour request has been resolved. Please rate our help from 1 to 5 on the request "
          "page; a comment helps us too:\n%(url)s") % values,
    )


def _status_changed(values: dict) -> tuple[str, str]:
    # A person resolved or closed the request without a message of their own (services.operator.status_notice).
    if values["status"] == Ticket.Status.CLOSED:
        return (
            _("Your request #%(id)s has been closed") % values,
            _("Hello, %(name)s!\n\nSupport has closed your request. It takes no more replies; if you need help "
              "again, please submit a new request. The conversation stays here:\n%(url)s") % values,
        )
    return (
        _("Your request #%(id)s has been resolved") % values,
        _("Hello, %(name)s!\n\nSupport has marked your request as resolved. If the problem is still there, just "
          "reply on the request page and it opens again:\n%(url)s") % values,
    )


RENDERERS = {
    Delivery.Kind.RECEIVED: _received,
    Delivery.Kind.REPLY: _reply,
    Delivery.Kind.AUTO_ANSWER: _auto_answer,
    Delivery.Kind.OFFTOPIC: _offtopic,
    Delivery.Kind.RATING_REQUEST: _rating_request,
    Delivery.Kind.STATUS_CHANGED: _status_changed,
}


class EmailChannel:
    name = "email"

    def address_for(self, ticket: Ticket) -> str:
        return ticket.student.email

    def render(self, delivery: Delivery) -> tuple[str, str]:
        """Subject and body, in the language the ticket was written in."""
        payload = delivery.payload or {}
        values = {
            "id": delivery.ticket_id, "name": payload.get("name", ""), "body": payload.get("body", ""),
            "url": ticket_status_url(delivery.ticket), "status": payload.get("status", ""),
        }
        with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
            return RENDERERS[delivery.kind](values)

    def send(self, delivery: Delivery) -> None:
        subject, body = self.render(delivery)
        mail_send(subject, body, delivery.address, message_key=f"delivery-{delivery.pk}")


def mail_send(subject: str, body: str, address: str, *, message_key: str) -> None:
    """Send one e-mail; an address the server refuses is a permanent failure (retrying cannot help).

    ``message_key`` makes a stable Message-ID: should a send be repeated after a crash between "sent" and
    "recorded", the recipient's mail client shows one message.
    """
    _local, at, domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")
    domain = domain if at and domain else "supportdesk.local"
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address], headers={"Message-ID": f"<{message_key}@{domain}>"})
    try:
        message.send(fail_silently=False)
    except SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"the mail server refused the address: {exc}", permanent=True) from exc
