"""Notifications to operators (issue 12): what the desk's counter shows, and their outbox to other sinks (e-mail,
later the operators' Telegram chat). Written by services.operator_notify; read by selectors.notifications."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .kinds import NotificationKind
from .outbox import OutboxItem
from .ticket import Message, Ticket


class OperatorNotification(models.Model):
    """One thing one operator should know about one ticket. Shown in the desk until read.

    ``event_key`` names the event (``"mention:<message id>"``, ``"sla:<ticket>:first_response:<due>"``…): one
    event gives each recipient one row however often the service runs, and a shared sink (a team chat) one
    message.
    """

    Kind = NotificationKind

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="desk_notifications", verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="operator_notifications", verbose_name=_("ticket"))
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("message"),
        help_text=_("The student's reply or the note the notification is about."),
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("who"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)
    event_key = models.CharField(_("event"), max_length=120)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification to an operator")
        verbose_name_plural = _("notifications to operators")
        constraints = [models.UniqueConstraint(fields=["recipient", "event_key"], name="notification_once_per_event")]
        indexes = [
            # The counter every desk page polls: a recipient's unread rows.
            models.Index(fields=["recipient", "created_at"], name="notification_unread", condition=Q(read_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} #{self.ticket_id} {self.kind}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class OperatorDelivery(OutboxItem):
    """One notification on one sink (e-mail today; the operators' Telegram chat registers its own sink).

    One row per (sink, address, event): colleagues sharing an address (a team chat) get one message.
    """

    notification = models.ForeignKey(
        OperatorNotification, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("notification"),
    )
    sink = models.CharField(_("sink"), max_length=32)
    address = models.CharField(_("address"), max_length=254)
    event_key = models.CharField(_("event"), max_length=120)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("notification sent to an operator")
        verbose_name_plural = _("notifications sent to operators")
        constraints = [models.UniqueConstraint(fields=["sink", "address", "event_key"], name="operator_delivery_once")]
        indexes = [
            models.Index(fields=["next_attempt_at"], name="operator_delivery_due", condition=Q(status__in=["pending", "sending"])),
            models.Index(fields=["sink"], name="operator_delivery_failed", condition=Q(status="failed")),
        ]

    def __str__(self) -> str:
        return f"{self.event_key} → {self.sink}: {self.status}"
