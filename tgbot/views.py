"""Webhook mode: Telegram POSTs each update here (behind the desk's web server) instead of the bot polling.

Set it with setWebhook(url=<desk>/telegram/webhook/, secret_token=SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET); Telegram
sends the secret in ``X-Telegram-Bot-Api-Secret-Token`` and anything without it is refused. The answer is 200 once
the update is recorded (a redelivery then changes nothing); students' gathered messages are flushed by a task.
"""
from __future__ import annotations

import json
import secrets

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, HttpResponseNotFound
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tickets.services.enqueue import task_enqueue

from . import services
from .models import TelegramUpdate

SECRET_HEADER = "HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN"


@csrf_exempt  # Telegram cannot send a CSRF token; the secret header authenticates the request
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    secret = settings.SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET
    if not secret or not settings.SUPPORTDESK_TELEGRAM_TOKEN:
        return HttpResponseNotFound()
    if not secrets.compare_digest(request.META.get(SECRET_HEADER, "").encode(), secret.encode()):
        return HttpResponseForbidden()
    try:
        data = json.loads(request.body)
        update_id = int(data["update_id"])
    except (ValueError, KeyError, TypeError):
        return HttpResponseBadRequest()
    outcome = services.update_receive(data)
    if outcome == "pending" and TelegramUpdate.objects.filter(update_id=update_id, status=TelegramUpdate.Status.PENDING).exists():
        task_enqueue("tgbot.tasks.pending_flush_task", update_id, task_name=f"telegram-flush-{update_id}")
    return HttpResponse(status=200)
