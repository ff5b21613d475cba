"""Django admin for the knowledge base: edit entries, see how often each was sent / accepted / rejected."""
from django.contrib import admin
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from classifier import dump_faq_yaml

from .forms import FaqEntryAdminForm, SchoolProfileAdminForm
from .models import FaqEntry, FaqUsage, SchoolProfile
from .selectors import faq_entries_with_stats


class TimestampColumns:
    """``created`` / ``updated`` columns with translated headers (the models' timestamps have no verbose name)."""

    @admin.display(description=_("created"), ordering="created_at")
    def created(self, obj):
        return obj.created_at

    @admin.display(description=_("updated"), ordering="updated_at")
    def updated(self, obj):
        return obj.updated_at


@admin.register(FaqEntry)
class FaqEntryAdmin(TimestampColumns, admin.ModelAdmin):
    form = FaqEntryAdminForm
    list_display = ["external_id", "topic", "question", "is_active", "sent", "accepted", "rejected", "updated"]
    list_filter = ["is_active", "topic"]
    search_fields = ["external_id", "question", "answer"]
    readonly_fields = ["created", "updated"]
    fields = ["external_id", "topic", "question", "alt_questions", "answer", "is_active", "created", "updated"]
    actions = ["export_yaml"]

    def get_queryset(self, request):
        return faq_entries_with_stats()

    @admin.display(description=_("sent"), ordering="sent_count")
    def sent(self, obj):
        return obj.sent_count

    @admin.display(description=_("accepted"), ordering="accepted_count")
    def accepted(self, obj):
        return obj.accepted_count

    @admin.display(description=_("rejected"), ordering="rejected_count")
    def rejected(self, obj):
        return obj.rejected_count

    @admin.action(description=_("Export selected entries as faq.yaml"))
    def export_yaml(self, request, queryset):
        text = dump_faq_yaml([e.to_record() for e in queryset.order_by("id")])
        resp = HttpResponse(text, content_type="application/x-yaml; charset=utf-8")
        resp["Content-Disposition"] = 'attachment; filename="faq.yaml"'
        return resp


@admin.register(FaqUsage)
class FaqUsageAdmin(TimestampColumns, admin.ModelAdmin):
    list_display = ["created", "entry", "kind", "ticket_id"]
    list_filter = ["kind"]
    search_fields = ["entry__external_id"]
    list_select_related = ["entry"]
    raw_id_fields = ["entry"]


@admin.register(SchoolProfile)
class SchoolProfileAdmin(admin.ModelAdmin):
    form = SchoolProfileAdminForm
    list_display = ["name", "site", "updated_at"]
    fields = ["name", "site", "aliases", "domains", "updated_at"]
    readonly_fields = ["updated_at"]
