"""Telegram users as desk students: one Student per Telegram account, no e-mail needed."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from tickets.models import Student

from ..models import TelegramAccount


def _full_name(user: dict) -> str:
    return " ".join(part for part in (user.get("first_name"), user.get("last_name")) if part).strip()[:200]


def account_for_user(user: dict, *, private_chat_id: int | None = None) -> TelegramAccount:
    """The account of a Bot API ``User`` (created with its Student on first sight), names kept up to date.

    The student's name is what operators read on the ticket page: the Telegram name with the @username.
    """
    user_id = int(user["id"])
    full_name, username = _full_name(user), (user.get("username") or "")[:64]
    language = (user.get("language_code") or "")[:16]
    account = TelegramAccount.objects.select_related("student").filter(user_id=user_id).first()
    if account is None:
        try:
            with transaction.atomic():
                student = Student.objects.create(name=full_name or username or str(user_id))
                account = TelegramAccount.objects.create(
                    student=student, user_id=user_id, chat_id=private_chat_id, username=username,
                    full_name=full_name, language_code=language,
                )
        except IntegrityError:  # another process saw the same user first
            account = TelegramAccount.objects.select_related("student").get(user_id=user_id)
    changed = {}
    if (full_name, username, language) != (account.full_name, account.username, account.language_code):
        changed.update(full_name=full_name, username=username, language_code=language)
    if private_chat_id is not None and account.chat_id != private_chat_id:
        changed["chat_id"] = private_chat_id
    if changed:
        TelegramAccount.objects.filter(pk=account.pk).update(**changed)
        for field, value in changed.items():
            setattr(account, field, value)
    if account.display_name != account.student.name:
        Student.objects.filter(pk=account.student_id).update(name=account.display_name[:200])
        account.student.name = account.display_name[:200]
    return account
