"""How the desk is organised: queues, the intents the classifier predicts, operators' queues."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .base import TimeStamped
from .kinds import NotificationKind

TRIAGE_QUEUE_SLUG = "triage"


class Queue(TimeStamped):
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order on the dashboard."))
    # Service-level targets (issue 12), counted from the ticket's creation in calendar time (tickets.sla).
    first_response_target = models.DurationField(
        _("first response target"), null=True, blank=True,
        help_text=_("How soon a person must first answer a ticket in this queue, e.g. 30m, 4h, 1d. Empty: no target."),
    )
    resolution_target = models.DurationField(
        _("resolution target"), null=True, blank=True,
        help_text=_("How soon a ticket in this queue must be resolved, e.g. 8h, 2d. Empty: no target."),
    )
    auto_assign = models.BooleanField(
        _("assign automatically"), default=False,
        help_text=_("New tickets go to the available operator of this queue with the fewest open tickets (round-robin)."),
    )

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


def default_email_kinds() -> list[str]:
    """What an operator is e-mailed about unless they choose otherwise: everything personal, not every new ticket."""
    return [kind for kind in NotificationKind.values if kind != NotificationKind.NEW_TICKET]


class OperatorProfile(models.Model):
    """Which queues an operator may work in, whether they are on duty, what they are e-mailed about.

    Staff and superusers see every queue.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="operator_profile", verbose_name=_("user"))
    queues = models.ManyToManyField(Queue, blank=True, related_name="operators", verbose_name=_("queues"))
    all_queues = models.BooleanField(_("all queues"), default=False)
    available = models.BooleanField(
        _("available"), default=False,
        help_text=_("On duty: gets automatic assignments and notifications of new tickets. Logging out switches it off."),
    )
    last_assigned_at = models.DateTimeField(_("last automatic assignment"), null=True, blank=True, editable=False)
    email_kinds = models.JSONField(
        _("e-mail notifications"), default=default_email_kinds, blank=True,
        help_text=_("Kinds of notifications also sent by e-mail (the desk always shows them)."),
    )

    class Meta:
        verbose_name = _("operator profile")
        verbose_name_plural = _("operator profiles")

    def __str__(self) -> str:
        return str(self.user)


class Topic(TimeStamped):
    """A topic of students' messages (payment, course, …, offtopic): the FAQ layer tags each ticket with one.

    Seeded from the classifier's shipped ``topics.yaml`` (services.seed); the admin edits titles, order and
    which ones operators filter by. The queue filters of the web desk and the API read their choices here.
    """

    name = models.SlugField(_("name"), max_length=32, unique=True, help_text=_("As the classifier names it, e.g. payment."))
    title = models.CharField(_("title"), max_length=120, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0, help_text=_("Order in the filters."))
    is_active = models.BooleanField(_("active"), default=True, help_text=_("Off to hide it from the filters."))

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("topic")
        verbose_name_plural = _("topics")

    def __str__(self) -> str:
        # The raw title or slug: what people read comes from tickets.vocabulary.topic_name (which imports the
        # models, so they do not import it back).
        return self.title or self.name
