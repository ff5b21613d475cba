"""Admin of the Telegram channel: accounts, the groups' allow-list, the updates seen, the bot's own messages."""
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tickets.services.enqueue import task_enqueue
from tickets.services.outbox import outbox_retry

from .models import GroupReply, TelegramAccount, TelegramGroup, TelegramOutgoing, TelegramUpdate
from .services.outgoing import SEND_TASK


@admin.register(TelegramAccount)
class TelegramAccountAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user_id", "chat_id", "student", "tickets", "created_at")
    search_fields = ("username", "full_name", "user_id")
    raw_id_fields = ("student",)

    @admin.display(description=_("requests"))
    def tickets(self, account):
        """The student's tickets, all of them: the history of this Telegram user with the desk."""
        url = reverse("admin:tickets_ticket_changelist") + f"?student__id__exact={account.student_id}"
        return format_html('<a href="{}">{}</a>', url, _("all requests"))


@admin.register(TelegramGroup)
class TelegramGroupAdmin(admin.ModelAdmin):
    list_display = ("title", "chat_id", "is_allowed", "created_at")
    list_editable = ("is_allowed",)
    search_fields = ("title", "chat_id")


@admin.register(TelegramUpdate)
class TelegramUpdateAdmin(admin.ModelAdmin):
    list_display = ("update_id", "kind", "status", "chat_id", "ticket", "note", "received_at")
    list_filter = ("kind", "status")
    search_fields = ("update_id", "chat_id")
    raw_id_fields = ("account", "ticket")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(GroupReply)
class GroupReplyAdmin(admin.ModelAdmin):
    list_display = ("chat_id", "message_id", "kind", "faq_entry_id", "ticket", "created_at")
    list_filter = ("kind",)
    raw_id_fields = ("ticket",)


@admin.register(TelegramOutgoing)
class TelegramOutgoingAdmin(admin.ModelAdmin):
    list_display = ("key", "chat_id", "status", "attempts", "last_error", "next_attempt_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("key", "chat_id")
    actions = ["retry_now"]

    @admin.action(description=_("Try again now"))
    def retry_now(self, request, queryset):
        count = sum(
            outbox_retry(TelegramOutgoing, row.pk, lambda ids: [task_enqueue(SEND_TASK, i, task_name=f"telegram-outgoing-{i}") for i in ids])
            for row in queryset
        )
        self.message_user(request, ngettext("%(n)s message queued again.", "%(n)s messages queued again.", count) % {"n": count})
