"""Students' satisfaction (issue 12): after a person resolved a ticket, the student rates the help once, 1 to 5."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket


class TicketRating(models.Model):
    """Asked for when an operator resolves a ticket a person answered (services.satisfaction.rating_request);
    filled in once by the student (``ticket_rate``). Rows without a score are open requests."""

    SCORE_MIN, SCORE_MAX = 1, 5
    COMMENT_MAX_CHARS = 2000

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rating", verbose_name=_("ticket"))
    requested_at = models.DateTimeField(_("asked at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("resolved by"),
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="ratings_received",
        verbose_name=_("operator"), help_text=_("Who handled the ticket: its assignee when it was resolved."),
    )
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("satisfaction rating")
        verbose_name_plural = _("satisfaction ratings")
        constraints = [
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5), name="rating_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.score or '-'}"

    @property
    def is_rated(self) -> bool:
        return self.score is not None
