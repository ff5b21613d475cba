"""The people who ask for help, independent of the channel they use."""
from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class Student(TimeStamped):
    """A requester: what a ticket's contact points to, so "all tickets of this student" is one query.

    Channel identities hang off it: the e-mail address here (web form and API match a student by it,
    normalised), Telegram accounts in their own table (issue 11). An e-mail typed into the web form is
    not verified, so it is a way to reach the student, never a proof that two identities are one person.
    """

    name = models.CharField(_("name"), max_length=200, blank=True, help_text=_("The name the student gave most recently."))
    email = models.EmailField(
        _("e-mail"), max_length=254, blank=True,
        help_text=_("Lower case; empty when the student came through a channel without e-mail."),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("student")
        verbose_name_plural = _("students")
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="student_email_unique"),
        ]

    def __str__(self) -> str:
        return self.name or self.email or f"#{self.pk}"

    @staticmethod
    def normalize_email(email: str | None) -> str:
        """One key per address: trimmed and lower-cased (mail providers treat the local part case-insensitively)."""
        return (email or "").strip().lower()
