"""A ticket and what it holds: messages, screenshots, the FAQ layer's analyses."""
from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .desk import Queue
from .packed import HexDigestField
from .students import Student


def new_public_token() -> str:
    # 32 random bytes → 43 url-safe characters: unguessable, and it is the only key to the status page.
    return secrets.token_urlsafe(32)


def public_token_digest(token: str) -> str:
    """SHA-256 of a status-link token: what lookups use, so their timing says nothing about the token."""
    return hashlib.sha256((token or "").encode()).hexdigest()


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
    # the digest (selectors.ticket_for_student), which save() keeps in step with the token. Only the digest is
    # indexed, and as a constraint (Meta), not ``unique=True``: that adds a second, ``varchar_pattern_ops`` index for
    # LIKE that nothing runs; unique digests mean unique tokens, so the token needs no index of its own
    # (together 41 MB of 103 MB of the ticket table at 100k tickets; migration 0019). The digest is kept as its 32
    # bytes, a hex string in Python (models.packed.HexDigestField: 12 → ~6 MB of index at 100k; migration 0021).
    public_token = models.CharField(_("status link token"), max_length=64, default=new_public_token, editable=False)
    public_token_digest = HexDigestField(_("status link token digest"))
    name = models.CharField(_("name"), max_length=200)
    # Who asked: a channel identity (an e-mail address today, Telegram accounts in issue 11), not a
    # required e-mail. ``name`` is what the student wrote on this ticket; the Student keeps the latest.
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("student"))
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    # Neither has an index of its own: ticket_queue_status_created / ticket_queue_created_id and
    # ticket_assignee_status (Meta) lead with them (0.66 MB each at 100k tickets; migration 0021).
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue"), db_index=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets", verbose_name=_("assignee"), db_index=False,
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
    # The classification lease: when the worker classifying it claimed it or last renewed its hold (every 10 s, never
    # past the task's timeout). Another worker leaves it alone for SUPPORTDESK_CLASSIFY_LEASE_SECONDS after that, so a
    # re-queued duplicate never classifies a ticket twice at once (services.leases).
    classification_started_at = models.DateTimeField(_("classification started"), null=True, blank=True, editable=False)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.WEB)
    language = models.CharField(_("language"), max_length=8, default="ru")
    # The FAQ layer (issue 4): topic of the first message (operators filter "offtopic"), and whether an
    # automatic answer waits for the student's "this solved it" / "I still need help".
    topic = models.CharField(_("topic"), max_length=32, blank=True, db_index=True)
    auto_answer_state = models.CharField(
        _("automatic answer"), max_length=20, choices=AutoAnswerState.choices, default=AutoAnswerState.NONE
    )
    auto_answered_at = models.DateTimeField(_("automatic answer sent at"), null=True, blank=True)
    # The clocks of the operators' desk (issue 12): what ages, SLA targets and reports are computed from.
    # ``waiting_since``: the ticket has been the desk's turn (new or open) since then; None while it waits for
    # the student or is resolved (services.lifecycle.status_change keeps it). ``first_response_at``: the first
    # reply of a person (automatic answers do not count). ``resolved_at``: when it last stopped being open
    # (resolved or closed); cleared when it reopens.
    waiting_since = models.DateTimeField(_("waiting for the desk since"), null=True, blank=True, default=timezone.now)
    first_response_at = models.DateTimeField(_("first answered by a person"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # A duplicate merged into another ticket (services.merge): closed, its messages and screenshots moved there;
    # its status page points the student to the target.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets", verbose_name=_("merged into"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        constraints = [models.UniqueConstraint(fields=["public_token_digest"], name="ticket_public_token_digest_unique")]
        indexes = [
            # The operator's queue list: one queue, optionally one status, newest or oldest first.
            models.Index(fields=["queue", "status", "created_at"], name="ticket_queue_status_created"),
            # Newest/oldest first and the keyset pages past the numbered ones (selectors.pages): (created_at, id) is
            # the whole sort key, so a page is an index range scan however long the history (migration 0017).
            models.Index(fields=["queue", "created_at", "id"], name="ticket_queue_created_id"),
            # The dashboard's and the queue links' counts of open tickets: only the open rows are in this index, so
            # counting them reads the open work, not the history (68 → 15 ms at 100k in issue 13; bench/desk.py).
            models.Index(fields=["queue", "status"], name="ticket_open_by_queue", condition=models.Q(status__in=["new", "open", "waiting"])),
            # The health check's and the metrics' classification backlog: only tickets waiting for the classifier.
            models.Index(fields=["created_at"], name="ticket_classification_pending", condition=models.Q(classification_state="pending")),
            # auto_answers_escalate_stale: pending automatic answers older than the escalation delay.
            models.Index(fields=["auto_answer_state", "auto_answered_at"], name="ticket_auto_answer_pending"),
            # "My tickets" and the operators' load (automatic assignment): open tickets per assignee.
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    @property
    def email(self) -> str:
        """The student's e-mail address ("" when they came through a channel without one)."""
        return self.student.email

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
        # An operator's internal note (issue 12): for colleagues only, never shown or sent to the student.
        NOTE = "note", _("Internal note")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("ticket"))
    author_kind = models.CharField(_("from"), max_length=16, choices=Author.choices)
    # author and faq_entry are indexed only where set (Meta): a student's and the system's messages have no author
    # (67 % at 100k generated tickets), few carry a FAQ entry; their full indexes were 1.2 MB each (0021).
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name=_("author"), db_index=False)
    body = models.TextField(_("text"), blank=True)
    # The FAQ entry this message carries (an automatic answer, or an operator's reply inserted from a suggestion).
    faq_entry = models.ForeignKey(
        "knowledge.FaqEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("FAQ entry"), db_index=False,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["author"], name="message_author", condition=models.Q(author__isnull=False)),
            models.Index(fields=["faq_entry"], name="message_faq_entry", condition=models.Q(faq_entry__isnull=False)),
        ]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.body[:40]}"

    # What a student may ever see or be sent (the status page, e-mails, Telegram). Anything else, the system
    # messages and operators' internal notes, stays inside the desk: services.notify refuses to send it and
    # selectors.ticket_for_student never loads it.
    STUDENT_VISIBLE_AUTHORS = (Author.STUDENT, Author.OPERATOR, Author.BOT)

    @property
    def is_automatic(self) -> bool:
        return self.author_kind == self.Author.BOT

    @property
    def is_visible_to_student(self) -> bool:
        return self.author_kind in self.STUDENT_VISIBLE_AUTHORS

    @property
    def is_note(self) -> bool:
        return self.author_kind == self.Author.NOTE


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
    sha256 = HexDigestField(_("SHA-256 checksum"))  # hex in Python, 32 bytes stored (models.packed; 0021)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        # Exact lookups only: a Meta index, not ``db_index=True``, which adds a LIKE index too (10 MB at 100k; 0019).
        indexes = [models.Index(fields=["sha256"], name="attachment_sha256")]
        verbose_name = _("screenshot")
        verbose_name_plural = _("screenshots")

    def __str__(self) -> str:
        return self.original_name or self.file.name

    @property
    def download_name(self) -> str:
        extension = "png" if self.content_type == "image/png" else "jpg"
        stem = (self.original_name.rsplit(".", 1)[0] if self.original_name else "") or f"screenshot-{self.pk}"
        return f"{stem}.{extension}"
