"""Admin of the operators' desk features (issue 12): queues' SLA targets and automatic assignment, operators'
availability and e-mail choices, notifications to operators and their outbox, satisfaction ratings.
Imported by tickets.admin (Django's autodiscovery loads that module only)."""
from __future__ import annotations

import re
from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import OperatorDelivery, OperatorNotification, OperatorProfile, Queue, TicketRating

UNITS = {"d": 86400, "д": 86400, "h": 3600, "ч": 3600, "m": 60, "min": 60, "мин": 60, "м": 60}
PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*(d|д|h|ч|min|мин|m|м)?", re.IGNORECASE)


class TargetField(forms.DurationField):
    """A target as people write it: "30m", "4h", "1d 12h", "90" (minutes); Russian units (мин, ч, д) too."""

    def prepare_value(self, value):
        if not isinstance(value, timedelta):
            return value
        seconds = int(value.total_seconds())
        parts = []
        for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size:
                parts.append(f"{seconds // size}{unit}")
                seconds %= size
        return " ".join(parts) or "0m"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, timedelta):
            return value
        text = str(value).strip().lower()
        if ":" in text:
            return super().to_python(value)  # Django's own "1 02:00:00"
        total, end = 0.0, 0
        for match in PART.finditer(text):
            if text[end:match.start()].strip():
                break
            total += float(match.group(1).replace(",", ".")) * UNITS[match.group(2) or "m"]
            end = match.end()
        if not text or text[end:].strip() or total <= 0:
            raise forms.ValidationError(_("Write a time such as 30m, 4h or 1d 12h."), code="invalid")
        return timedelta(seconds=round(total))


class QueueAdminForm(forms.ModelForm):
    first_response_target = TargetField(required=False, help_text=Queue._meta.get_field("first_response_target").help_text)
    resolution_target = TargetField(required=False, help_text=Queue._meta.get_field("resolution_target").help_text)

    class Meta:
        model = Queue
        fields = ["slug", "name", "position", "first_response_target", "resolution_target", "auto_assign"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_response_target", "resolution_target"):
            self.fields[name].label = Queue._meta.get_field(name).verbose_name.capitalize()


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    form = QueueAdminForm
    list_display = ["slug", "name", "position", "first_response_target", "resolution_target", "auto_assign"]
    list_editable = ["name", "position", "auto_assign"]
    search_fields = ["slug", "name"]


class OperatorProfileAdminForm(forms.ModelForm):
    email_kinds = forms.MultipleChoiceField(
        label=_("E-mail notifications"), choices=OperatorNotification.Kind.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text=OperatorProfile._meta.get_field("email_kinds").help_text,
    )

    class Meta:
        model = OperatorProfile
        fields = ["user", "queues", "all_queues", "available", "email_kinds"]


@admin.register(OperatorProfile)
class OperatorProfileAdmin(admin.ModelAdmin):
    form = OperatorProfileAdminForm
    list_display = ["user", "all_queues", "available", "last_assigned_at"]
    list_filter = ["available", "all_queues"]
    filter_horizontal = ["queues"]
    list_select_related = ["user"]
    readonly_fields = ["last_assigned_at"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the services only: listed and read, never added or edited here."""

    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OperatorNotification)
class OperatorNotificationAdmin(ReadOnlyAdmin):
    list_display = ["id", "recipient", "kind", "ticket", "actor", "created_at", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["=ticket__id", "recipient__username"]
    list_select_related = ["recipient", "ticket", "actor"]


@admin.register(OperatorDelivery)
class OperatorDeliveryAdmin(ReadOnlyAdmin):
    """Notifications to operators per sink (e-mail, …): what failed, why, and when it is tried again."""

    list_display = ["id", "event_key", "sink", "address", "status", "attempts", "next_attempt_at", "sent_at", "last_error"]
    list_filter = ["status", "sink"]
    search_fields = ["address", "event_key", "last_error"]
    actions = ["retry_now"]

    @admin.action(description=_("Try again now"))
    def retry_now(self, request, queryset):
        count = sum(services.operator_delivery_retry(delivery) for delivery in queryset)
        self.message_user(request, ngettext("%(n)s delivery queued again.", "%(n)s deliveries queued again.", count) % {"n": count})


@admin.register(TicketRating)
class TicketRatingAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "score", "operator", "requested_at", "rated_at", "comment"]
    list_filter = ["score", ("rated_at", admin.EmptyFieldListFilter)]
    search_fields = ["=ticket__id", "operator__username", "comment"]
    list_select_related = ["ticket", "operator"]
