"""The outbox: every message to a student, once per channel, until the channel has taken it."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .audit import TicketEvent
from .ticket import Message, Ticket


class OutboxItem(TimeStamped):
    """What an outbox row needs to be sent after commit and retried with backoff (services.outbox): messages
    to students (Delivery) and notifications to operators (OperatorDelivery) share it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_done(self) -> bool:
        return self.status in (self.Status.SENT, self.Status.FAILED)

    @property
    def is_problem(self) -> bool:
        """Failed for good, or not sent yet after a failed attempt: operators should know."""
        return self.status == self.Status.FAILED or (self.status != self.Status.SENT and bool(self.last_error))


class Delivery(OutboxItem):
    """One message to a student on one channel (e-mail today, Telegram in issue 11).

    Written in the same transaction as the message it carries, sent afterwards by an idempotent task
    (services.notify.delivery_send) and retried with exponential backoff. ``next_attempt_at`` is when
    the row may be tried (again): for a row being sent it is the end of the sender's lease, after which
    the sweep hands it to another worker.
    """

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Request received")
        REPLY = "reply", _("Operator's answer")
        AUTO_ANSWER = "auto_answer", _("Automatic answer")
        OFFTOPIC = "offtopic", _("Closed as off-topic")
        # A person resolved the ticket: the student is asked to rate the help (services.satisfaction). Carried by
        # the last operator reply; a channel renders it as its own question (the e-mail: a link, Telegram: buttons).
        RATING_REQUEST = "rating_request", _("Request for a rating")
        # A person resolved or closed the ticket without the student hearing of it otherwise (services.operator
        # .status_notice): carried by the status event, not by a message (``event``; ``message`` is empty).
        STATUS_CHANGED = "status_changed", _("Status change")

    # The author a message of each kind must have: nothing else (system messages, internal notes) can be sent.
    KIND_AUTHORS = {
        Kind.RECEIVED: Message.Author.STUDENT,
        Kind.REPLY: Message.Author.OPERATOR,
        Kind.AUTO_ANSWER: Message.Author.BOT,
        Kind.OFFTOPIC: Message.Author.BOT,
        Kind.RATING_REQUEST: Message.Author.OPERATOR,
    }
    # Kinds carried by a status event (TicketEvent of kind "status") instead of a message.
    EVENT_KINDS = (Kind.STATUS_CHANGED,)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("ticket"))
    # No index of their own: the unique constraints below lead with them (2 MB + 0.6 MB at 100k tickets; 0021).
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("message"), db_index=False,
    )
    event = models.ForeignKey(
        TicketEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("status change"),
        db_index=False,
    )
    channel = models.CharField(_("channel"), max_length=32)
    address = models.CharField(_("address"), max_length=254, help_text=_("Where the channel sends it (an e-mail address, a chat id)."))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("delivery to a student")
        verbose_name_plural = _("deliveries to students")
        constraints = [
            # One delivery of a message per channel, however often a service or a task runs.
            models.UniqueConstraint(fields=["message", "kind", "channel"], name="delivery_once_per_channel"),
            # One notice of a status change per channel (the event is the change).
            models.UniqueConstraint(fields=["event", "kind", "channel"], name="delivery_once_per_event"),
            models.CheckConstraint(condition=Q(message__isnull=False) | Q(event__isnull=False), name="delivery_carries_something"),
        ]
        indexes = [
            # The sweep: rows waiting to be (re)tried whose time has come.
            models.Index(
                fields=["next_attempt_at"], name="delivery_due",
                condition=Q(status__in=["pending", "sending"]),
            ),
            # The metrics' failed sends per channel (supportdesk.monitoring): the failed rows only.
            models.Index(fields=["channel"], name="delivery_failed", condition=Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} → {self.channel}: {self.status}"
