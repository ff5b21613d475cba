"""Django admin for intents (read by the classifier), topics, students, tickets, predictions, the audit trail and
the outbox of messages to students; queues, operators and the desk's features of issue 12 in admin_desk."""
from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from knowledge.forms import LinesField

from . import services, vocabulary
from .admin_paging import CappedCountPaginator, PlainActionCheckbox, TopicListFilter
from .models import (
    Attachment,
    ClassifierFit,
    Delivery,
    Intent,
    LabelExample,
    Message,
    MessageAnalysis,
    Override,
    Prediction,
    Student,
    Ticket,
    TicketEvent,
    Topic,
)


class IntentAdminForm(forms.ModelForm):
    """The classifier's texts of an intent, one per line (they are lists in the database, not JSON to type)."""

    descriptions = LinesField(help_text=_("What the intent is about, in a sentence; one per line (Russian and English)."))
    prompts = LinesField(help_text=_("What a screenshot of it shows, for the image model; one per line."))
    examples = LinesField(help_text=_("Things students write about it; one per line."))
    keywords = LinesField(max_item_length=100, help_text=_("Word beginnings that point to it (оплат, refund); one per line."))

    class Meta:
        model = Intent
        fields = ["name", "title", "queue", "descriptions", "prompts", "examples", "keywords", "in_scope", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("descriptions", "prompts", "examples", "keywords"):  # labelled like the model's other fields
            self.fields[name].label = capfirst(Intent._meta.get_field(name).verbose_name)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_active") and not any(cleaned.get(name) for name in ("descriptions", "prompts", "examples")):
            raise forms.ValidationError(_("An active intent needs at least one description, prompt or example: the classifier has nothing else to go by."))
        return cleaned


@admin.register(Intent)
class IntentAdmin(admin.ModelAdmin):
    form = IntentAdminForm
    list_display = ["name", "title", "queue", "is_active", "updated_at"]
    list_filter = ["is_active", "queue"]
    search_fields = ["name", "title"]
    list_select_related = ["queue"]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Topics of the FAQ layer (seeded from the classifier's topics.yaml): titles and order of the filters."""

    list_display = ["name", "title", "shown_as", "position", "is_active"]
    list_editable = ["title", "position", "is_active"]
    search_fields = ["name", "title"]

    @admin.display(description=_("shown as"))
    def shown_as(self, topic):
        """What operators read in the filters (tickets.vocabulary): the translated name until a title is set."""
        return vocabulary.topic_name(topic)


@admin.register(Student)
class StudentAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "email", "created_at"]
    search_fields = ["=id", "email", "name"]
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False


@admin.register(ClassifierFit)
class ClassifierFitAdmin(admin.ModelAdmin):
    """Fits of the classifier on this desk's labels (``manage.py classifier_fit``): a record, not edited by hand."""

    list_display = ["version", "applied", "created_at"]
    list_filter = ["applied"]
    readonly_fields = ["version", "settings", "report", "applied", "created_at", "created_by"]

    def has_add_permission(self, request):
        return False


@admin.register(LabelExample)
class LabelExampleAdmin(admin.ModelAdmin):
    """Operators' corrections the classifier learns from; switch off (or delete) a bad one."""

    list_display = ["intent", "short_text", "ticket", "created_by", "created_at", "is_active"]
    list_filter = ["is_active", "intent"]
    list_editable = ["is_active"]
    search_fields = ["text", "intent__name"]
    list_select_related = ["intent", "ticket", "created_by"]
    raw_id_fields = ["ticket", "created_by"]
    readonly_fields = ["created_at", "updated_at"]
    actions = ["deactivate", "activate"]

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.action(description=_("Stop using the selected examples"))
    def deactivate(self, request, queryset):
        # update() would skip auto_now: save each row so updated_at (the classifier cache key) changes.
        for example in queryset.filter(is_active=True):
            example.is_active = False
            example.save(update_fields=["is_active", "updated_at"])

    @admin.action(description=_("Use the selected examples again"))
    def activate(self, request, queryset):
        for example in queryset.filter(is_active=False):
            example.is_active = True
            example.save(update_fields=["is_active", "updated_at"])


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["author_kind", "author", "body", "created_at"]
    readonly_fields = ["created_at"]
    raw_id_fields = ["author"]


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["preview", "original_name", "width", "height", "content_type", "sha256"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # uploads go through the validated form, not the admin

    @admin.display(description=_("preview"))
    def preview(self, attachment):
        url = reverse("operator:attachment_thumb", kwargs={"attachment_id": attachment.pk})
        # A class, not style="": the Content-Security-Policy refuses inline styles (static/tickets/admin.css).
        return format_html('<img src="{}" class="admin-thumb" alt="">', url)


class PredictionInline(admin.TabularInline):
    model = Prediction
    extra = 0
    fields = ["label", "confidence", "model_version", "error", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ["kind", "channel", "address", "status", "attempts", "last_error", "next_attempt_at", "sent_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False  # written by services.notify only


class EventInline(admin.TabularInline):
    model = TicketEvent
    extra = 0
    fields = ["kind", "actor", "old_value", "new_value", "confidence", "reason", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Ticket)
class TicketAdmin(PlainActionCheckbox, admin.ModelAdmin):
    list_display = ["id", "name", "email", "queue", "status", "label", "confidence", "classification_state", "label_overridden", "created_at"]
    list_filter = ["queue", "status", "classification_state", "label_overridden", "source", TopicListFilter, "auto_answer_state", "created_at"]
    search_fields = ["=id", "student__email", "name", "description"]
    list_select_related = ["queue", "assignee", "student"]
    raw_id_fields = ["assignee", "student"]
    readonly_fields = [
        "public_token", "created_at", "updated_at", "classification_state", "label", "confidence", "label_overridden",
        "topic", "auto_answer_state", "auto_answered_at",
    ]
    # No date_hierarchy: its year links are a SELECT DISTINCT over every ticket on each page (72 ms at 100k, issue 13);
    # the "created" filter (today, 7 days, this month, this year) costs no query.
    show_full_result_count = False  # counting 100k rows on every page is wasted work
    paginator = CappedCountPaginator
    list_per_page = 50  # 100 rows took ~300 of the page's 353 ms in Python at 100k tickets (load 8 on 2 cores), SQL 53 ms
    inlines = [MessageInline, AttachmentInline, PredictionInline, DeliveryInline, EventInline]
    actions = ["reclassify"]

    @admin.display(description=_("e-mail"), ordering="student__email")
    def email(self, ticket):
        return ticket.email  # the student's (Ticket.email is a property: no field, no translated label)

    @admin.action(description=_("Classify again (e.g. after editing intents)"))
    def reclassify(self, request, queryset):
        for ticket in queryset:
            services.ticket_reclassify(ticket=ticket, actor=request.user)
        self.message_user(request, _("%(n)s ticket(s) queued for classification.") % {"n": queryset.count()})


@admin.register(MessageAnalysis)
class MessageAnalysisAdmin(admin.ModelAdmin):
    """The FAQ layer's judgement per student message (read-only: written by tickets.tasks.answer_message_task)."""

    list_display = ["message_number", "ticket_id", "decision", "topic", "topic_confidence", "needs_human", "needs_human_score",
                    "faq_entry", "faq_confidence", "created_at"]
    list_filter = ["decision", "topic", "needs_human", "auto_answered"]
    search_fields = ["=message__ticket__id", "reason"]
    list_select_related = ["message", "faq_entry"]
    show_full_result_count = False

    @admin.display(description=_("message"), ordering="message_id")
    def message_number(self, analysis):
        return analysis.message_id

    @admin.display(description=_("ticket"))
    def ticket_id(self, analysis):
        return analysis.message.ticket_id

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Prediction)
class PredictionAdmin(PlainActionCheckbox, admin.ModelAdmin):
    list_display = ["id", "ticket", "label", "confidence", "model_version", "created_at"]
    list_filter = ["label", "model_version"]
    # float32 bytes in the database (models.packed), shown as {signal: {label: score}}, {label: score}, {stage: seconds}
    readonly_fields = ["scores", "signals", "timings"]
    search_fields = ["=ticket__id", "ocr_text"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket"]
    show_full_result_count = False
    paginator = CappedCountPaginator


@admin.register(TicketEvent)
class TicketEventAdmin(PlainActionCheckbox, admin.ModelAdmin):
    """The audit trail; overrides are the rows with kind 'override'."""

    list_display = ["id", "ticket", "kind", "actor", "old_value", "new_value", "confidence", "model_version", "created_at"]
    list_filter = ["kind"]
    ordering = ["-id"]  # newest first along the primary key: created_at has no index of its own (models.audit)
    search_fields = ["=ticket__id", "old_value", "new_value", "reason"]
    list_select_related = ["ticket", "actor"]
    raw_id_fields = ["ticket", "actor"]
    show_full_result_count = False
    paginator = CappedCountPaginator

    def has_change_permission(self, request, obj=None):
        return False  # an audit trail is not edited

    def has_add_permission(self, request):
        return False


@admin.register(Override)
class OverrideAdmin(TicketEventAdmin):
    """Predicted (old) → corrected (new) label, who, why, at what confidence and model version."""

    list_display = ["id", "ticket", "old_value", "new_value", "confidence", "model_version", "actor", "reason", "created_at"]
    list_filter = ["old_value", "new_value", "model_version"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Messages to students per channel: what failed, why, and when it is tried again."""

    list_display = ["id", "ticket", "kind", "channel", "address", "status", "attempts", "next_attempt_at", "sent_at", "short_error"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["=ticket__id", "address", "last_error"]
    list_select_related = ["ticket"]
    readonly_fields = [f.name for f in Delivery._meta.fields]
    show_full_result_count = False
    actions = ["retry_now"]

    @admin.display(description=_("last error"))
    def short_error(self, delivery):
        return delivery.last_error if len(delivery.last_error) <= 80 else delivery.last_error[:79] + "…"

    def has_add_permission(self, request):
        return False  # written by services.notify only

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Try again now"))
    def retry_now(self, request, queryset):
        count = sum(services.delivery_retry(delivery) for delivery in queryset)
        self.message_user(request, ngettext("%(n)s delivery queued again.", "%(n)s deliveries queued again.", count) % {"n": count})


# Queues and operator profiles (their SLA targets, availability, e-mail choices), notifications to operators and
# satisfaction ratings: issue 12's admin, in its own module.
from . import admin_desk  # noqa: E402,F401
from . import admin_tools  # noqa: E402,F401
