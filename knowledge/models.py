"""The school's FAQ (knowledge base) and how each entry is used. Rules live in services.py; reads in selectors.py."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from classifier import FaqDocument, SchoolProfile as SchoolIdentity


class FaqEntry(models.Model):
    """One question/answer of the knowledge base, the same fields as an entry of faq.yaml.

    ``embedding`` caches the sentence-encoder vectors of the question, alternative questions and answer for
    ``content_hash`` (the hash of that text) and the encoder named in it: an edited entry gets a new hash,
    so it is re-embedded on the next use of the index. Its ``"rerank"`` sub-object holds the same rows' vectors
    of the suggestions' re-ranking encoder (e5, or the configured FAQ encoder), with its own encoder and hash.
    """

    external_id = models.SlugField(_("id"), max_length=100, unique=True,
                                   help_text=_("Stable id, the `id` of the entry in faq.yaml."))
    topic = models.CharField(_("topic"), max_length=32, default="general", db_index=True,
                             help_text=_("payment, course, profile, career or general"))
    question = models.TextField(_("question"))
    alt_questions = models.JSONField(_("alternative questions"), default=list, blank=True,
                                     help_text=_("A JSON list of other phrasings of the question."))
    answer = models.TextField(_("answer"))
    # Students' questions an operator accepted (FaqPhrasingOffer): found by meaning only (classifier.faq.learning).
    learned_questions = models.JSONField(
        _("learned phrasings"), default=list, blank=True,
        help_text=_("Students' questions added from tickets answered with this entry; they help find it by meaning."))
    is_active = models.BooleanField(_("active"), default=True, db_index=True,
                                    help_text=_("Inactive entries are never suggested or sent."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    content_hash = models.CharField(max_length=40, blank=True, editable=False)
    embedding = models.JSONField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["topic", "external_id"]
        verbose_name = _("FAQ entry")
        verbose_name_plural = _("FAQ entries")

    def __str__(self) -> str:
        return f"{self.external_id}: {self.question[:60]}"

    def to_record(self) -> FaqDocument:
        """The Django-free value the classifier works with."""
        return FaqDocument(id=self.external_id, topic=self.topic, question=self.question,
                         alt_questions=tuple(str(q) for q in (self.alt_questions or []) if str(q).strip()),
                         answer=self.answer,
                         learned_questions=tuple(str(q) for q in (self.learned_questions or []) if str(q).strip()))

    def save(self, *args, **kwargs):
        for attr in ("alt_questions", "learned_questions"):
            value = getattr(self, attr)
            if isinstance(value, str):
                setattr(self, attr, [line.strip() for line in value.splitlines() if line.strip()])
        new_hash = self.to_record().content_hash()
        if new_hash != self.content_hash:
            self.content_hash = new_hash
            self.embedding = None  # stale: re-embedded on the next index build
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "content_hash", "embedding"}
        super().save(*args, **kwargs)


class FaqUsage(models.Model):
    """One use of an entry on a ticket: sent (automatically or by an operator), then accepted or rejected."""

    class Kind(models.TextChoices):
        AUTO_SENT = "auto_sent", _("sent automatically")
        OPERATOR_SENT = "operator_sent", _("inserted by an operator")
        ACCEPTED = "accepted", _("accepted: this solved it")
        REJECTED = "rejected", _("rejected: still need help")

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="usages", verbose_name=_("entry"))
    # A plain id, not a foreign key: the knowledge base does not depend on the desk's tables.
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("FAQ usage")
        verbose_name_plural = _("FAQ usage")

    def __str__(self) -> str:
        return f"{self.entry.external_id} {self.kind} (ticket {self.ticket_id})"


class FaqPhrasingOffer(models.Model):
    """A student's question offered as a learned phrasing of the entry an operator answered it with (issue 9).

    Written when an operator's reply inserts the entry's answer (``tickets.services.ticket_reply``); the admin adds
    it (``knowledge.services.faq_phrasing_add``) or dismisses it with one click. Decided offers stay as history.
    """

    class Status(models.TextChoices):
        OFFERED = "offered", _("offered")
        ADDED = "added", _("added")
        DISMISSED = "dismissed", _("dismissed")

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="phrasing_offers",
                              verbose_name=_("entry"))
    text = models.TextField(_("student's question"))
    # A plain id, not a foreign key: the knowledge base does not depend on the desk's tables.
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OFFERED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["entry", "status"], name="faq_offer_entry_status")]
        verbose_name = _("offered phrasing")
        verbose_name_plural = _("offered phrasings")

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.text[:60]}"


class FaqEntryEvent(models.Model):
    """The knowledge base's audit trail of learning: who added or dismissed which offered phrasing of an entry."""

    class Kind(models.TextChoices):
        PHRASING_ADDED = "phrasing_added", _("phrasing added")
        PHRASING_DISMISSED = "phrasing_dismissed", _("phrasing dismissed")

    entry = models.ForeignKey(FaqEntry, on_delete=models.CASCADE, related_name="events", verbose_name=_("entry"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("who"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.TextField(_("text"))
    ticket_id = models.BigIntegerField(_("ticket"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("FAQ entry event")
        verbose_name_plural = _("FAQ entry events")

    def __str__(self) -> str:
        return f"{self.entry_id} {self.kind}"


class SchoolProfile(models.Model):
    """Who the school is, as its screens and its students' bank statements show it (one row per desk).

    The classifier reads it (``tickets.classification.build_label_set``): a screenshot that names the school, its
    site or a merchant alias is evidence that the problem is the school's; one that names another brand or site
    and not the school is evidence that it is not. ``faq_import`` fills ``name`` and ``site`` from faq.yaml's
    ``school`` and ``site``; aliases and domains are the admin's (a bank statement's merchant name, an English
    spelling, the payment page's or the learning platform's host).
    """

    name = models.CharField(_("school name"), max_length=120, blank=True, help_text=_("As students see it, e.g. Кодариум."))
    site = models.CharField(_("site"), max_length=200, blank=True, help_text=_("The main site, e.g. kodarium.ru."))
    aliases = models.JSONField(_("aliases"), default=list, blank=True,
                               help_text=_("Other names it appears under: the merchant name on bank statements, "
                                           "an English spelling, a product's name."))
    domains = models.JSONField(_("other domains"), default=list, blank=True,
                               help_text=_("More host names it owns: the payment page, the learning platform."))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("school profile")
        verbose_name_plural = _("school profile")

    def __str__(self) -> str:
        return self.name or self.site or str(_("school profile"))

    def save(self, *args, **kwargs):
        for attr in ("aliases", "domains"):
            value = getattr(self, attr)
            if isinstance(value, str):  # the admin's textarea: one per line
                setattr(self, attr, [line.strip() for line in value.splitlines() if line.strip()])
        super().save(*args, **kwargs)

    def to_identity(self) -> SchoolIdentity:
        """The Django-free value the classifier works with."""
        return SchoolIdentity(name=self.name, site=self.site, aliases=tuple(self.aliases or ()),
                              domains=tuple(self.domains or ()))


class FaqCalibrationFit(models.Model):
    """One self-calibration of the auto-answer rule on the school's own FAQ (``classifier.calibrate_faq``).

    Fitted when the FAQ is imported (``faq_import``) or by ``manage.py faq_calibrate``; the newest row is applied
    to every FAQ decision, whose analysis carries its ``version``. ``faq_key`` names the FAQ content it was fitted
    on: an entry edited since leaves the row in use until the next refit (its version says which FAQ it saw).
    """

    version = models.CharField(_("version"), max_length=40, db_index=True)
    faq_key = models.CharField(_("FAQ content"), max_length=40)
    encoder = models.CharField(_("encoder"), max_length=120, blank=True)
    fitted = models.JSONField(_("fitted numbers"), default=dict)
    entries = models.PositiveIntegerField(_("entries"), default=0)
    # classifier.FaqHealth.to_dict(): per entry, its phrasings asked held out, how many find it, what they find
    # instead; and the single-phrasing entries. Empty on rows fitted before it was stored.
    health = models.JSONField(_("held-out check"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("FAQ calibration")
        verbose_name_plural = _("FAQ calibrations")

    def __str__(self) -> str:
        return f"{self.version} ({self.entries})"
