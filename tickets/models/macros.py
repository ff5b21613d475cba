"""Canned answers (issue 12): operators' own replies, personal or shared, inserted into the reply box."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped


class Macro(TimeStamped):
    """A reply an operator saved. ``body`` may hold placeholders ({student_name}, {ticket_number}, ...: tickets.macros)
    filled in for the ticket when it is inserted. Personal ones are seen by their owner only; shared ones by every
    operator, edited by their owner or a desk admin."""

    TITLE_MAX_CHARS, BODY_MAX_CHARS = 120, 5000

    title = models.CharField(_("title"), max_length=TITLE_MAX_CHARS)
    body = models.TextField(_("text"), max_length=BODY_MAX_CHARS)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="macros", verbose_name=_("owner"))
    is_shared = models.BooleanField(_("shared with all operators"), default=False)

    class Meta:
        ordering = ["title", "id"]
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")
        indexes = [models.Index(fields=["owner", "title"], name="macro_owner_title"), models.Index(fields=["is_shared", "title"], name="macro_shared_title")]

    def __str__(self) -> str:
        return self.title
