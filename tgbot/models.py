"""The Telegram channel's records: who a Telegram user is, which updates were seen, what the bot sends on its own.

Exactly once rests on two unique keys: ``TelegramUpdate.update_id`` (a redelivered update — webhook retry, a second
bot process, a restart — finds its row and does nothing) and ``TelegramOutgoing.key`` (one message per reason).
Messages about a ticket go through the desk's own outbox (tickets.Delivery via the TelegramChannel); the bot's
own chat messages (command answers, group replies, refused files) through ``TelegramOutgoing``, retried the same way.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tickets.models import OutboxItem, Student, Ticket, TimeStamped


class TelegramAccount(TimeStamped):
    """A Telegram user linked to a desk Student: a Telegram ticket's contact is this chat, no e-mail needed."""

    student = models.OneToOneField(Student, on_delete=models.CASCADE, related_name="telegram_account", verbose_name=_("student"))
    user_id = models.BigIntegerField(_("Telegram user id"), unique=True)
    chat_id = models.BigIntegerField(_("private chat id"), null=True, blank=True, help_text=_("Empty until the user writes to the bot privately."))
    username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    full_name = models.CharField(_("Telegram name"), max_length=200, blank=True)
    language_code = models.CharField(_("language"), max_length=16, blank=True)
    start_new = models.BooleanField(_("next message starts a new request"), default=False)

    class Meta:
        verbose_name = _("Telegram account")
        verbose_name_plural = _("Telegram accounts")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        name = self.full_name or str(self.user_id)
        return f"{name} (@{self.username})" if self.username else name


class TelegramUpdate(models.Model):
    """One update from the Bot API, recorded before anything is done with it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to join a request")
        DONE = "done", _("Handled")
        IGNORED = "ignored", _("Ignored")

    update_id = models.BigIntegerField(_("update id"), unique=True)
    kind = models.CharField(_("kind"), max_length=16)
    account = models.ForeignKey(TelegramAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="updates", verbose_name=_("Telegram account"))
    chat_id = models.BigIntegerField(_("chat id"), null=True, blank=True)
    message_id = models.BigIntegerField(_("message id"), null=True, blank=True)
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DONE)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket"))
    note = models.CharField(_("what was done"), max_length=200, blank=True)
    received_at = models.DateTimeField(_("received"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-update_id"]
        verbose_name = _("Telegram update")
        verbose_name_plural = _("Telegram updates")
        indexes = [models.Index(fields=["status", "received_at"], name="tg_update_pending")]

    def __str__(self) -> str:
        return f"{self.update_id} {self.kind}: {self.status}"


class TelegramGroup(TimeStamped):
    """A group the bot was added to; it reads and answers only the allowed ones."""

    chat_id = models.BigIntegerField(_("chat id"), unique=True)
    title = models.CharField(_("title"), max_length=255, blank=True)
    is_allowed = models.BooleanField(_("answer questions here"), default=False)

    class Meta:
        ordering = ["title"]
        verbose_name = _("Telegram group")
        verbose_name_plural = _("Telegram groups")

    def __str__(self) -> str:
        return self.title or str(self.chat_id)


class GroupReply(TimeStamped):
    """The bot's one reply to one group message: an FAQ answer or a hand-over to a private chat (deep link)."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("FAQ answer")
        HANDOVER = "handover", _("Invitation to a private chat")

    chat_id = models.BigIntegerField(_("chat id"))
    message_id = models.BigIntegerField(_("message id"))
    user_id = models.BigIntegerField(_("Telegram user id"), db_index=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("question"), blank=True)
    token = models.CharField(_("deep-link token"), max_length=32, blank=True, db_index=True)
    faq_entry_id = models.CharField(_("FAQ entry"), max_length=120, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reply in a group")
        verbose_name_plural = _("replies in groups")
        constraints = [models.UniqueConstraint(fields=["chat_id", "message_id"], name="group_reply_once")]

    def __str__(self) -> str:
        return f"{self.chat_id}/{self.message_id} {self.kind}"


class TelegramOutgoing(OutboxItem):
    """A chat message of the bot's own (not a ticket's message), sent and retried like the desk's outbox rows."""

    key = models.CharField(_("key"), max_length=120, unique=True, help_text=_("Why it is sent: one message per key."))
    chat_id = models.BigIntegerField(_("chat id"))
    text = models.TextField(_("text"))
    reply_to_message_id = models.BigIntegerField(_("in reply to"), null=True, blank=True)
    buttons = models.JSONField(_("buttons"), default=list, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("bot message")
        verbose_name_plural = _("bot messages")

    def __str__(self) -> str:
        return f"{self.key}: {self.status}"
