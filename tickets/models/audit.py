"""What the classifier said and what people did: predictions, the audit trail, operators' corrections."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .desk import Intent
from .packed import FloatMapField, ScoreTableField
from .ticket import Ticket


class Prediction(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="predictions", verbose_name=_("ticket"))
    label = models.CharField(_("label"), max_length=64, blank=True, help_text=_("Empty when the classifier was unsure."))
    confidence = models.FloatField(_("confidence"), default=0.0)
    # {label: score} and {stage: seconds} packed as float32 (models.packed.FloatMapField; JSONB took 193 bytes a row).
    scores = FloatMapField(_("scores"))
    # Per-signal scores {signal: {label: score}} as float32 bytes (models.packed: ~190 bytes a row instead of
    # 681 as JSONB at 100k generated tickets); read by the desk's refit (selectors.fitting) only.
    signals = ScoreTableField(_("signals"))
    ocr_text = models.TextField(_("text on the screenshots (OCR)"), blank=True)
    model_version = models.CharField(_("model version"), max_length=120, blank=True)
    timings = FloatMapField(_("timings"))
    # No embedding: the classifier's sentence embedding (512 floats) was kept as JSON, ~6.3 KB a row and two
    # thirds of the database at 100k tickets, and nothing read it. What later steps read is here: the scores
    # and per-signal scores (classifier_fit), the OCR text and the model version; a corrected ticket's text is
    # re-embedded from LabelExample (migration 0017).
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("prediction")
        verbose_name_plural = _("predictions")

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.label or 'unsure'} ({self.confidence:.2f})"

    @property
    def failed(self) -> bool:
        return bool(self.error)


TIMED_KINDS = ["override", "faq", "auto_answer", "feedback", "escalated", "rated", "merged"]


class TicketEvent(models.Model):
    """Audit trail: every prediction, routing, override, status change, assignment and reply."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Created")
        PREDICTED = "predicted", _("Predicted")
        ROUTED = "routed", _("Routed")
        OVERRIDE = "override", _("Label corrected")
        STATUS = "status", _("Status changed")
        ASSIGN = "assign", _("Assigned")
        REPLY = "reply", _("Replied")
        FAQ = "faq", _("FAQ decision")
        AUTO_ANSWER = "auto_answer", _("Answered automatically")
        FEEDBACK = "feedback", _("Student feedback")
        ESCALATED = "escalated", _("Handed to an operator")
        RATED = "rated", _("Student's rating")
        MERGED = "merged", _("Merged")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    # Indexed only where set (event_actor, Meta): 63 % of the rows at 100k generated tickets are the system's (NULL).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("who"), db_index=False)
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    old_value = models.CharField(_("old value"), max_length=120, blank=True)
    new_value = models.CharField(_("new value"), max_length=120, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=120, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # No index of its own: events are read per ticket (ticket_id) or by a rare kind and time (event_kind_created);
    # the admin's list walks the primary key, newest first (17 MB of index at 100k generated tickets; 0019).
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # The kinds read by time (monitoring's automatic-answer rate, the corrections' admin, reports) are the rare ones;
        # the six of nearly every ticket (created, predicted, routed, status, reply, assign: ~99 % of the rows) are
        # read per ticket. The index holds only the rare kinds (26 MB of the events' 113 MB at 100k; migration 0019).
        indexes = [
            models.Index(fields=["kind", "created_at"], name="event_kind_created", condition=models.Q(kind__in=TIMED_KINDS)),
            # An operator's events and the user deletion's SET NULL (actor_id = x implies NOT NULL, so both use it).
            models.Index(fields=["actor"], name="event_actor", condition=models.Q(actor__isnull=False)),
        ]
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}: {self.old_value} → {self.new_value}"


class OverrideManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(kind=TicketEvent.Kind.OVERRIDE)


class Override(TicketEvent):
    """Operators' label corrections (the override rows of the audit trail), for their own admin page."""

    objects = OverrideManager()

    class Meta:
        proxy = True
        verbose_name = _("label correction")
        verbose_name_plural = _("label corrections")


class LabelExample(TimeStamped):
    """An operator's correction kept as a remembered example of the intent it was corrected to.

    ``text`` is what the classifier remembers of the ticket (``classifier.correction_text``: the student's words and
    the distinctive lines of its screenshots, not the school's menus that recur on every screenshot).
    ``classification.build_label_set`` gives the most recent active ones of each intent to the classifier's
    memory signal, so later tickets that repeat a corrected one go to the corrected intent. One row per ticket:
    a second correction of the same ticket moves the example (services.label_override).
    """

    # Capped like the whole-text segment the scorer embeds (classifier.scoring.segments_of, 2000 chars):
    # a long OCR dump of navigation chrome would dilute the example's embedding, and every example is
    # embedded when a worker (re)builds its classifier — measured with the real encoder on one thread,
    # 200 examples of 2000 chars take ~7.4 s to embed cold, 200 of ~260 chars ~0.9 s.
    TEXT_MAX_CHARS = 2000

    intent = models.ForeignKey(Intent, on_delete=models.CASCADE, related_name="label_examples", verbose_name=_("intent"))
    ticket = models.OneToOneField(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="label_example", verbose_name=_("ticket"),
    )
    text = models.TextField(_("text"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("created by"),
    )
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Off to stop the classifier from using a bad example."))

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("label example")
        verbose_name_plural = _("label examples")

    def __str__(self) -> str:
        return f"{self.intent_id}: {self.text[:40]}"
