"""The desk's data. Rules that change data live in services.py; reads in selectors.py."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

TRIAGE_QUEUE_SLUG = "triage"


def new_public_token() -> str:
    # 32 random bytes → 43 url-safe characters: unguessable, and it is the only key to the status page.
    return secrets.token_urlsafe(32)


def public_token_digest(token: str) -> str:
    """SHA-256 of a status-link token: what lookups use, so their timing says nothing about the token."""
    return hashlib.sha256((token or "").encode()).hexdigest()


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class Queue(TimeStamped):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order on the dashboard."))

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")

    def __str__(self) -> str:
        return self.name


class Intent(TimeStamped):
    """A label the classifier may predict, and the queue its tickets go to.

    The classifier reads descriptions/prompts/examples/keywords from here, so an admin adds a new
    intent without code.
    """

    name = models.SlugField(_("label"), max_length=64, unique=True, help_text=_("e.g. payment-problem"))
    title = models.CharField(_("title"), max_length=120, blank=True)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="intents", verbose_name=_("queue"))
    descriptions = models.JSONField(_("descriptions"), default=list, blank=True)
    prompts = models.JSONField(_("prompts"), default=list, blank=True)
    examples = models.JSONField(_("examples"), default=list, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    in_scope = models.BooleanField(
        _("in scope"), default=True,
        help_text=_("Off for pseudo-labels such as 'other': predicting them means 'unsure' and the ticket goes to triage."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("intent")
        verbose_name_plural = _("intents")

    def __str__(self) -> str:
        return self.title or self.name


class OperatorProfile(models.Model):
    """Which queues an operator may work in. Staff and superusers see every queue."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_profile", verbose_name=_("user"))
    queues = models.ManyToManyField(Queue, blank=True, related_name="operators", verbose_name=_("queues"))
    all_queues = models.BooleanField(_("all queues"), default=False)

    class Meta:
        verbose_name = _("operator profile")
        verbose_name_plural = _("operator profiles")

    def __str__(self) -> str:
        return str(self.user)


class Ticket(TimeStamped):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        OPEN = "open", _("Open")
        WAITING = "waiting", _("Waiting for student")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING)

    class ClassificationState(models.TextChoices):
        PENDING = "pending", _("Classifying…")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    class Source(models.TextChoices):
        WEB = "web", _("Web form")
        API = "api", _("API")
        TELEGRAM = "telegram", _("Telegram")

    class AutoAnswerState(models.TextChoices):
        NONE = "none", _("None")
        PENDING_FEEDBACK = "pending_feedback", _("Waiting for the student's feedback")
        SOLVED = "solved", _("Solved by the automatic answer")
        ESCALATED = "escalated", _("Handed to an operator")

    # The raw token is kept to rebuild the status link (operators' reply e-mails); lookups go through
    # the digest (selectors.ticket_for_student), which save() keeps in step with the token.
    public_token = models.CharField(_("status link token"), max_length=64, unique=True, default=new_public_token, editable=False)
    public_token_digest = models.CharField(_("status link token digest"), max_length=64, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets", verbose_name=_("assignee"),
    )
    label = models.CharField(_("label"), max_length=64, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    classification_state = models.CharField(
        _("classification"), max_length=16, choices=ClassificationState.choices, default=ClassificationState.PENDING
    )
    label_overridden = models.BooleanField(_("label corrected by an operator"), default=False)
    # Classification attempts started for the current pending state (counted before the classifier runs,
    # so a worker killed mid-way still counts); services.ticket_classify gives up past
    # SUPPORTDESK_CLASSIFY_MAX_ATTEMPTS; ticket_reclassify resets it.
    classification_attempts = models.PositiveSmallIntegerField(_("classification attempts"), default=0, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.WEB)
    language = models.CharField(_("language"), max_length=8, default="ru")
    # The FAQ layer (issue 4): topic of the first message (operators filter "offtopic"), and whether an
    # automatic answer waits for the student's "this solved it" / "I still need help".
    topic = models.CharField(_("topic"), max_length=32, blank=True, db_index=True)
    auto_answer_state = models.CharField(
        _("automatic answer"), max_length=20, choices=AutoAnswerState.choices, default=AutoAnswerState.NONE
    )
    auto_answered_at = models.DateTimeField(_("automatic answer sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        indexes = [
            # The operator's queue list: one queue, optionally one status, newest or oldest first.
            models.Index(fields=["queue", "status", "created_at"], name="ticket_queue_status_created"),
            models.Index(fields=["queue", "created_at"], name="ticket_queue_created"),
            models.Index(Lower("email"), name="ticket_email_lower"),
            # auto_answers_escalate_stale: pending automatic answers older than the escalation delay.
            models.Index(fields=["auto_answer_state", "auto_answered_at"], name="ticket_auto_answer_pending"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    def save(self, *args, **kwargs):
        digest = public_token_digest(self.public_token)
        if self.public_token_digest != digest:
            self.public_token_digest = digest
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "public_token_digest"}
        super().save(*args, **kwargs)


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    # The user's file name never becomes part of the path: a random name plus our own extension.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"attachments/{secrets.token_hex(2)}/{secrets.token_urlsafe(24)}.{extension}"


class Message(models.Model):
    class Author(models.TextChoices):
        STUDENT = "student", _("Student")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")
        # Automatic answers (a FAQ answer, the off-topic reply): shown to the student marked as automatic.
        BOT = "bot", _("Automatic answer")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    author_kind = models.CharField(_("from"), max_length=16, choices=Author.choices)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author"))
    body = models.TextField(_("text"), blank=True)
    # The FAQ entry this message carries (an automatic answer, or an operator's reply inserted from a suggestion).
    faq_entry = models.ForeignKey(
        "knowledge.FaqEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("FAQ entry"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.body[:40]}"

    @property
    def is_automatic(self) -> bool:
        return self.author_kind == self.Author.BOT


class MessageAnalysis(models.Model):
    """What the FAQ layer made of one student message (one row per message: the task is idempotent).

    ``suggestions`` keeps the top FAQ entries (``[{"entry": pk, "id": external id, "score": float}]``) so
    the operator's ticket page renders them without running a model in the web request.
    """

    class Decision(models.TextChoices):
        AUTO_ANSWER = "auto_answer", _("Answered automatically")
        OFFTOPIC = "offtopic", _("Off-topic: closed with a fixed reply")
        SUGGEST = "suggest", _("Left to an operator (suggestions only)")
        SKIPPED = "skipped", _("Not analysed")
        FAILED = "failed", _("Analysis failed")

    message = models.OneToOneField(Message, on_delete=models.CASCADE, primary_key=True, related_name="analysis", verbose_name=_("message"))
    topic = models.CharField(_("topic"), max_length=32, blank=True)
    topic_confidence = models.FloatField(_("topic confidence"), null=True, blank=True)
    needs_human = models.BooleanField(_("needs a human"), default=False)
    needs_human_score = models.FloatField(_("needs-human score"), null=True, blank=True)
    faq_entry = models.ForeignKey(
        "knowledge.FaqEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("best FAQ entry"),
    )
    faq_confidence = models.FloatField(_("FAQ confidence"), null=True, blank=True)
    auto_answered = models.BooleanField(_("answered automatically"), default=False)
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    suggestions = models.JSONField(_("suggestions"), default=list, blank=True)
    model_version = models.CharField(_("model version"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("message analysis")
        verbose_name_plural = _("message analyses")

    def __str__(self) -> str:
        return f"message {self.message_id}: {self.decision} ({self.topic or '-'})"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("ticket"))
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments", verbose_name=_("message"),
    )
    file = models.FileField(_("file"), upload_to=attachment_upload_to, max_length=255)
    thumbnail = models.FileField(_("thumbnail"), upload_to=attachment_upload_to, max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=32)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    size_bytes = models.PositiveIntegerField(_("size in bytes"), default=0)
    original_name = models.CharField(_("file name"), max_length=150, blank=True)
    sha256 = models.CharField(_("SHA-256 checksum"), max_length=64, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def download_name(self) -> str:
        extension = "png" if self.content_type == "image/png" else "jpg"
        stem = (self.original_name.rsplit(".", 1)[0] if self.original_name else "") or f"screenshot-{self.pk}"
        return f"{stem}.{extension}"


class Prediction(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="predictions", verbose_name=_("ticket"))
    label = models.CharField(_("label"), max_length=64, blank=True, help_text=_("Empty when the classifier was unsure."))
    confidence = models.FloatField(_("confidence"), default=0.0)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    signals = models.JSONField(_("signals"), default=dict, blank=True)
    ocr_text = models.TextField(_("text on the screenshots (OCR)"), blank=True)
    model_version = models.CharField(_("model version"), max_length=120, blank=True)
    timings = models.JSONField(_("timings"), default=dict, blank=True)
    embedding = models.JSONField(_("embedding"), null=True, blank=True)
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

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("ticket"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("who"))
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices)
    old_value = models.CharField(_("old value"), max_length=120, blank=True)
    new_value = models.CharField(_("new value"), max_length=120, blank=True)
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    model_version = models.CharField(_("model version"), max_length=120, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["kind", "created_at"], name="event_kind_created")]
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
    """An operator's correction kept as a labelled example of the intent it was corrected to.

    ``classification.build_label_set`` adds the most recent active examples of each intent to the
    label set, so later tickets worded like a corrected one go to the corrected intent. One row per
    ticket: a second correction of the same ticket moves the example (services.label_override).
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

    @classmethod
    def text_for(cls, description: str, ocr_text: str) -> str:
        """The ticket's description and its screenshots' OCR text, joined and capped ("" when both are empty)."""
        parts = [part.strip() for part in (description or "", ocr_text or "") if part and part.strip()]
        return "\n".join(parts)[: cls.TEXT_MAX_CHARS].strip()
