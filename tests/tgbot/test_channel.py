"""The TelegramChannel (students), the operators' chat sink, the webhook view, the bot command's refusal."""
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import operator
from tests.tgbot.fake_bot_api import private_update
from tgbot.channel import TelegramChannel
from tgbot.models import TelegramUpdate
from tgbot.services import pending_flush, update_receive
from tickets import services
from tickets.channels import channel_get
from tickets.models import Delivery, OperatorDelivery, Ticket, TicketRating
from tickets.sinks import sink_get

pytestmark = pytest.mark.django_db


@pytest.fixture
def telegram_ticket(telegram, run):
    run(update_receive, private_update(300, 901, text="Не могу войти, пишет неверный пароль"))
    run(pending_flush)
    return Ticket.objects.get()


def test_both_are_registered_and_reach_nobody_without_a_token(settings, db):
    from tests.factories import queue

    settings.SUPPORTDESK_TELEGRAM_TOKEN = ""
    assert isinstance(channel_get("telegram"), TelegramChannel) and sink_get("telegram") is not None
    ticket = Ticket.objects.create(name="x", description="y", queue=queue("triage"), student=services.student_for_email(email="a@b.c", name="A"))
    assert channel_get("telegram").address_for(ticket) == ""


def test_an_operator_reply_and_the_rating_request_reach_the_chat_with_buttons(telegram, telegram_ticket, run):
    olga = operator("olga")
    run(services.ticket_reply, ticket=telegram_ticket, body="Сбросили пароль.", actor=olga)
    assert "Ответ поддержки по обращению" in telegram.sent_to(901)[-1]["text"]
    assert "Сбросили пароль." in telegram.sent_to(901)[-1]["text"]
    assert not Delivery.objects.filter(channel="email").exists()  # a Telegram ticket needs no e-mail

    run(services.ticket_set_status, ticket=telegram_ticket, status=Ticket.Status.RESOLVED, actor=olga)
    question = telegram.sent_to(901)[-1]
    assert "Оцените нашу помощь от 1 до 5" in question["text"]
    scores = question["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in scores] == ["1", "2", "3", "4", "5"]

    from tests.tgbot.fake_bot_api import callback_update

    assert run(update_receive, callback_update(301, 901, scores[4]["callback_data"])) == "rate"
    assert TicketRating.objects.get(ticket=telegram_ticket).score == 5
    assert run(update_receive, callback_update(302, 901, scores[0]["callback_data"])) == "rejected"
    assert TicketRating.objects.get(ticket=telegram_ticket).score == 5


def test_a_blocked_bot_is_a_permanent_failure_the_desk_shows(telegram, telegram_ticket, run, monkeypatch):
    from aiogram.exceptions import TelegramForbiddenError
    from aiogram.methods import SendMessage

    async def blocked(self, *args, **kwargs):
        raise TelegramForbiddenError(method=SendMessage(chat_id=901, text="x"), message="Forbidden: bot was blocked by the user")

    monkeypatch.setattr("aiogram.Bot.send_message", blocked)
    run(services.ticket_reply, ticket=telegram_ticket, body="Ответ", actor=operator("olga"))
    delivery = Delivery.objects.get(kind=Delivery.Kind.REPLY, channel="telegram")
    assert delivery.status == Delivery.Status.FAILED and "blocked" in delivery.last_error


def test_the_operators_chat_gets_new_tickets_once_with_a_desk_link(telegram, settings, run):
    settings.SUPPORTDESK_TELEGRAM_OPERATORS_CHAT = "-200300"
    for name in ("olga", "ivan"):
        services.operator_set_available(operator(name), available=True)
    run(update_receive, private_update(310, 902, text="Какой-то вопрос без ключевых слов"))
    run(pending_flush)
    ticket = Ticket.objects.get()
    posts = telegram.sent_to(-200300)
    assert len(posts) == 1, posts  # two operators notified, one message in the shared chat
    assert f"/desk/tickets/{ticket.pk}/" in posts[0]["text"] or f"/tickets/{ticket.pk}/" in posts[0]["text"]
    assert OperatorDelivery.objects.get(sink="telegram").status == OperatorDelivery.Status.SENT


def test_the_webhook_checks_the_secret_and_records_each_update_once(telegram, settings, client, run):
    settings.SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET = "s3cret"
    url = reverse("tgbot:webhook")
    body = json.dumps(private_update(320, 903, text="/help"))
    assert client.post(url, body, content_type="application/json").status_code == 403
    assert client.post(url, body, content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="wrong").status_code == 403
    for _ in range(2):
        response = run(client.post, url, body, content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="s3cret")
        assert response.status_code == 200
    assert TelegramUpdate.objects.filter(update_id=320).count() == 1
    assert len(telegram.sent_to(903)) == 1
    assert client.post(url, "not json", content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="s3cret").status_code == 400

    message = json.dumps(private_update(321, 903, text="Не работает оплата картой"))
    run(client.post, url, message, content_type="application/json", HTTP_X_TELEGRAM_BOT_API_SECRET_TOKEN="s3cret")
    assert Ticket.objects.get().source == Ticket.Source.TELEGRAM  # the flush task ran (gather window 0 here)


def test_the_webhook_is_off_without_a_secret(client, settings):
    settings.SUPPORTDESK_TELEGRAM_WEBHOOK_SECRET = ""
    assert client.post(reverse("tgbot:webhook"), "{}", content_type="application/json").status_code == 404


def test_the_bot_command_refuses_to_start_without_a_token(settings):
    settings.SUPPORTDESK_TELEGRAM_TOKEN = ""
    with pytest.raises(CommandError, match="SUPPORTDESK_TELEGRAM_TOKEN"):
        call_command("telegram_bot")


def test_the_admin_lists_accounts_with_their_tickets_and_edits_the_group_allow_list(telegram, telegram_ticket, client, run):
    from tests.factories import AdminFactory
    from tgbot.models import TelegramGroup, TelegramOutgoing

    client.force_login(AdminFactory(username="boss"))
    page = client.get(reverse("admin:tgbot_telegramaccount_changelist"))
    assert page.status_code == 200
    link = reverse("admin:tickets_ticket_changelist") + f"?student__id__exact={telegram_ticket.student_id}"
    assert link.replace("&", "&amp;") in page.content.decode()
    history = client.get(link)
    assert history.status_code == 200
    assert [t.pk for t in history.context["cl"].result_list] == [telegram_ticket.pk]
    for model in ("telegramupdate", "groupreply", "telegramoutgoing", "telegramgroup"):
        assert client.get(reverse(f"admin:tgbot_{model}_changelist")).status_code == 200

    group = TelegramGroup.objects.create(chat_id=-555, title="Поток")
    response = client.post(reverse("admin:tgbot_telegramgroup_changelist"), {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(group.pk), "form-0-is_allowed": "on", "_save": "1",
    })
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.is_allowed

    row = TelegramOutgoing.objects.create(key="manual", chat_id=904, text="Проверка", status="failed", attempts=8,
                                          last_error="boom", next_attempt_at=telegram_ticket.created_at)
    run(client.post, reverse("admin:tgbot_telegramoutgoing_changelist"), {"action": "retry_now", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == TelegramOutgoing.Status.SENT
    assert [call["text"] for call in telegram.sent_to(904)] == ["Проверка"]
