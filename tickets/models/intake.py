"""Submissions sent twice are saved once: an API client's retry (``Idempotency-Key``) or a form posted twice."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .ticket import Ticket


class IdempotencyKey(models.Model):
    """One submission under its key (services.idempotency): a new ticket, or a student's reply to ``ticket``.

    The row is inserted first in the submission's own transaction: a second request with the same scope, client and
    key waits on the unique index until the first commits, then finds its ticket (no duplicate, no lock of ours).
    ``fingerprint`` is a digest of what was submitted, so the same key with another body is refused (422).
    """

    class Scope(models.TextChoices):
        API = "api", _("API (Idempotency-Key header)")
        WEB_FORM = "web", _("web form (one-time form token)")
        WEB_REPLY = "reply", _("status page reply (one-time form token)")

    scope = models.CharField(_("scope"), max_length=8, choices=Scope.choices)
    client = models.CharField(_("client"), max_length=64, help_text=_("Digest of the client's identity (its IP address)."))
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request digest"), max_length=64)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("ticket"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["scope", "client", "key"], name="idempotency_key_once_per_client")]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key}"
