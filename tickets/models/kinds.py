"""Choices shared by models that must not import each other (an import cycle between model modules)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    """What a notification to an operator is about (OperatorNotification.Kind; OperatorProfile.email_kinds)."""

    NEW_TICKET = "new_ticket", _("A new ticket in my queues")
    STUDENT_REPLY = "student_reply", _("The student replied on my ticket")
    MENTION = "mention", _("A colleague mentioned me in a note")
    SLA_WARNING = "sla_warning", _("A ticket is about to miss its target")
    ASSIGNED = "assigned", _("A ticket was assigned to me")
    # The student answered an automatic answer with "I still need help" (or wrote again, or did not answer in time).
    ESCALATED = "escalated", _("A student needs an operator after an automatic answer")
