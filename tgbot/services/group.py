"""Group chat: answer a support question the FAQ surely answers, hand one that needs a person to a private
chat, leave everything else alone.

The judgement is the desk's own: the message-topic classifier (SUPPORTDESK_MESSAGE_CLASSIFIER, with the FAQ's
questions as examples) and ``knowledge.services.faq_answer_decision``. Off-topic chatter, thanks, replies to other
people and messages mentioning someone else get nothing. A reply is one message threaded under the question
(``reply_to_message_id``), never naming anyone; ``GroupReply`` is unique per (chat, message), so a message is
answered at most once, and the per-chat and per-user limits keep the bot quiet under a flood.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.module_loading import import_string

from classifier import FaqOutcome
from knowledge.models import FaqEntry
from tickets.channels import DeliveryFailed
from knowledge.services import faq_answer_decision, faq_index_get

from .. import api, texts
from ..models import GroupReply, TelegramGroup, TelegramUpdate
from .outgoing import outgoing_queue
from .records import group_allowed, update_record

logger = logging.getLogger(__name__)
# Topics of the school's support: a question about them that the FAQ cannot answer goes to a person.
SUPPORT_TOPICS = ("payment", "course", "profile", "career")
NEEDS_PERSON = (FaqOutcome.NEEDS_HUMAN, FaqOutcome.POSSIBLY_NEEDS_HUMAN)
# Below this topic confidence a message is not taken for a support question (chatter is left alone).
TOPIC_CONFIDENCE = 0.6
# A group answer is brief: the FAQ answer cut at a sentence near this length.
ANSWER_CHARS = 600
MIN_WORDS = 3


def group_member_update(update_id: int, member: dict) -> str:
    """The bot was added to (or removed from) a group: remember the group so the admin can allow it."""
    chat = member.get("chat") or {}
    with transaction.atomic():
        update_record(update_id, "member", chat_id=chat.get("id"), payload=member)
        if chat.get("type") in ("group", "supergroup"):
            _group_seen(chat)
    return "group seen"


def _group_seen(chat: dict) -> TelegramGroup:
    group, created = TelegramGroup.objects.get_or_create(chat_id=int(chat["id"]), defaults={"title": (chat.get("title") or "")[:255]})
    if not created and chat.get("title") and group.title != chat["title"][:255]:
        TelegramGroup.objects.filter(pk=group.pk).update(title=chat["title"][:255])
    return group


def _bot_id() -> int | None:
    head = settings.SUPPORTDESK_TELEGRAM_TOKEN.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _addressed_to_someone_else(message: dict) -> bool:
    """A reply to another person's message, or a message mentioning someone: students talking to each other."""
    replied = message.get("reply_to_message")
    if replied and ((replied.get("from") or {}).get("id") != _bot_id()):
        return True
    for entity in message.get("entities") or message.get("caption_entities") or []:
        if entity.get("type") in ("mention", "text_mention"):
            return True
    return False


def _topic(text: str):
    examples: dict[str, list[str]] = {}
    for topic, question, alt in FaqEntry.objects.filter(is_active=True).values_list("topic", "question", "alt_questions"):
        examples.setdefault(topic, []).extend(q for q in [question, *(alt or [])] if str(q).strip())
    try:
        return import_string(settings.SUPPORTDESK_MESSAGE_CLASSIFIER)(text, extra_examples=examples or None,
                                                                      faq_index=faq_index_get())
    except Exception:
        logger.exception("Telegram group: topic classification failed")
        return None


def group_judgement(text: str) -> tuple[str, FaqEntry | None]:
    """("answer", entry), ("handover", None) or ("", None): what the bot does with a group message."""
    if len(text.split()) < MIN_WORDS:
        return "", None
    topic = _topic(text)
    name = getattr(topic, "topic", None)
    if name == "offtopic":
        return "", None
    try:
        decision = faq_answer_decision(text, topic)
    except Exception:
        logger.exception("Telegram group: FAQ decision failed")
        decision = None
    if decision is not None and decision.outcome is FaqOutcome.OFFTOPIC:
        return "", None
    if decision is not None and decision.auto_answer and not decision.needs_human:
        entry = FaqEntry.objects.filter(external_id=decision.entry_id, is_active=True).first()
        if entry is not None and entry.answer.strip():
            return "answer", entry
    sure_topic = name in SUPPORT_TOPICS and (getattr(topic, "confidence", 0) or 0) >= TOPIC_CONFIDENCE
    if sure_topic or (decision is not None and decision.outcome in NEEDS_PERSON and name not in (None, "general")):
        return "handover", None
    return "", None


def _brief(answer: str) -> str:
    answer = answer.strip()
    if len(answer) <= ANSWER_CHARS:
        return answer
    cut = max(answer.rfind(". ", 0, ANSWER_CHARS), answer.rfind("\n", 0, ANSWER_CHARS))
    return (answer[: cut + 1] if cut > ANSWER_CHARS // 3 else answer[: ANSWER_CHARS - 1]).rstrip() + "…"


def _limited(chat_id: int, user_id: int) -> bool:
    now = timezone.now()
    per_chat = GroupReply.objects.filter(chat_id=chat_id, created_at__gte=now - timedelta(minutes=1)).count()
    per_user = GroupReply.objects.filter(user_id=user_id, created_at__gte=now - timedelta(hours=1)).count()
    return (per_chat >= settings.SUPPORTDESK_TELEGRAM_GROUP_CHAT_PER_MINUTE
            or per_user >= settings.SUPPORTDESK_TELEGRAM_GROUP_USER_PER_HOUR)


def group_message(update_id: int, message: dict) -> str:
    chat, sender = message["chat"], message.get("from") or {}
    chat_id, message_id = int(chat["id"]), int(message["message_id"])
    text = (message.get("text") or message.get("caption") or "").strip()
    fields = {"chat_id": chat_id, "message_id": message_id, "payload": message}
    skip = ""
    if not group_allowed(chat_id):
        skip = "group not allowed"
    elif not text or text.startswith("/") or not sender.get("id"):
        skip = "no question"
    elif _addressed_to_someone_else(message):
        skip = "between students"
    kind, entry = ("", None) if skip else group_judgement(text)
    if not skip and not kind:
        skip = "not for the bot"
    username = ""
    if kind == GroupReply.Kind.HANDOVER:
        try:  # asked before the transaction: a network call holds no lock (cached after the first time)
            username = api.bot_username()
        except DeliveryFailed:
            skip = "bot's name unknown (Bot API unreachable)"
    with transaction.atomic():
        _group_seen(chat)
        if not skip and _limited(chat_id, int(sender["id"])):
            skip = "rate limited"
        if skip:
            update_record(update_id, "group", status=TelegramUpdate.Status.IGNORED, note=skip, **fields)
            return skip
        update_record(update_id, "group", note=kind, **fields)
        try:
            with transaction.atomic():
                reply = GroupReply.objects.create(
                    chat_id=chat_id, message_id=message_id, user_id=int(sender["id"]), kind=kind, text=text,
                    token=secrets.token_urlsafe(12) if kind == GroupReply.Kind.HANDOVER else "",
                    faq_entry_id=entry.external_id if entry else "",
                )
        except IntegrityError:
            return "answered before"
        with translation.override(settings.LANGUAGE_CODE):
            if kind == GroupReply.Kind.ANSWER:
                body = texts.group_answer(_brief(entry.answer))
            else:
                body = texts.group_handover(f"https://t.me/{username}?start=q{reply.token}")
        outgoing_queue(key=f"group-{chat_id}-{message_id}", chat_id=chat_id, text=body, reply_to_message_id=message_id)
    return kind
