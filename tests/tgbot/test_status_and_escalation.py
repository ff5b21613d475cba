"""Issue 11's "status changes the student should know about" reach the Telegram chat, and a student's "Нужен
оператор" reaches the operators' chat. Every Bot API call goes to the fake server on 127.0.0.1 and is recorded."""
import pytest

from tests.factories import operator
from tests.tgbot.fake_bot_api import callback_update, private_update
from tgbot.services import pending_flush, update_receive
from tickets import services
from tickets.models import Delivery, OperatorDelivery, OperatorNotification, Ticket

pytestmark = pytest.mark.django_db


def telegram_ticket(run, update_id: int, chat_id: int, text: str, language: str = "ru") -> Ticket:
    update = private_update(update_id, chat_id, text=text)
    update["message"]["from"]["language_code"] = language
    run(update_receive, update)
    run(pending_flush)
    return Ticket.objects.order_by("-id").first()


def test_a_resolve_without_a_reply_reaches_the_chat_once_in_russian(telegram, run):
    ticket = telegram_ticket(run, 400, 920, "Не могу войти, пишет неверный пароль")
    before = len(telegram.sent_to(920))
    olga = operator("olga")
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)  # no change: nothing
    sent = telegram.sent_to(920)[before:]
    assert [call["text"] for call in sent] == [
        f"Поддержка отметила обращение №{ticket.pk} как решённое. Если проблема осталась, просто напишите сюда."
    ]
    assert "reply_markup" not in sent[0] or not sent[0]["reply_markup"]
    delivery = Delivery.objects.get(kind=Delivery.Kind.STATUS_CHANGED)
    assert (delivery.channel, delivery.status, delivery.message_id) == ("telegram", Delivery.Status.SENT, None)


def test_a_close_reaches_an_english_speaker_in_english_and_an_internal_change_nothing(telegram, run):
    ticket = telegram_ticket(run, 410, 921, "I cannot log in to my account", language="en")
    assert ticket.language == "en"
    before = len(telegram.sent_to(921))
    olga = operator("olga")
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.WAITING, actor=olga)
    assert len(telegram.sent_to(921)) == before
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.CLOSED, actor=olga)
    assert [call["text"] for call in telegram.sent_to(921)[before:]] == [
        f"Request #{ticket.pk} has been closed by support. To ask something else, just write a new message here."
    ]


def test_a_resolve_after_a_reply_sends_the_rating_question_and_no_status_line(telegram, run):
    ticket = telegram_ticket(run, 420, 922, "Не могу войти, пишет неверный пароль")
    olga = operator("olga")
    run(services.ticket_reply, ticket=ticket, body="Сбросили пароль.", actor=olga)
    before = len(telegram.sent_to(922))
    run(services.ticket_set_status, ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    [question] = telegram.sent_to(922)[before:]
    assert "решено" in question["text"] and "от 1 до 5" in question["text"]
    assert not Delivery.objects.filter(kind=Delivery.Kind.STATUS_CHANGED).exists()


def test_need_operator_is_posted_to_the_operators_chat_once(telegram, settings, run, faq):
    settings.SUPPORTDESK_TELEGRAM_OPERATORS_CHAT = "-200400"
    for name in ("olga", "ivan"):
        services.operator_set_available(operator(name), available=True)
    ticket = telegram_ticket(run, 430, 923, "Забыл пароль от личного кабинета, как восстановить?")
    assert ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK
    before = len(telegram.sent_to(-200400))  # the new ticket's post
    assert run(update_receive, callback_update(431, 923, f"fb:{ticket.pk}:0")) == "fb"
    assert run(update_receive, callback_update(432, 923, f"fb:{ticket.pk}:0")) == "rejected"  # pressed again
    posts = telegram.sent_to(-200400)[before:]
    assert len(posts) == 1, posts  # two operators notified, one message in the shared chat
    assert "всё ещё нужна помощь после автоматического ответа" in posts[0]["text"]
    assert f"/tickets/{ticket.pk}/" in posts[0]["text"]
    assert OperatorNotification.objects.filter(kind=OperatorNotification.Kind.ESCALATED).count() == 2
    assert OperatorDelivery.objects.get(sink="telegram", notification__kind="escalated").status == OperatorDelivery.Status.SENT
