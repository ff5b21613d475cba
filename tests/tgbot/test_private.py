"""Private chat (tgbot.services): messages, screenshots, albums and commands become requests, exactly once.

The updates are Bot API JSON fed to ``update_receive`` as the polling process would; every Bot API call goes
to the fake server on 127.0.0.1 (tests/tgbot/fake_bot_api.py), which records it.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.tgbot.conftest import screenshot_png
from tests.tgbot.fake_bot_api import callback_update, private_update
from tgbot.models import TelegramAccount, TelegramOutgoing, TelegramUpdate
from tgbot.services import pending_flush, update_receive
from tickets.models import Attachment, Delivery, Message, Ticket

pytestmark = pytest.mark.django_db


def texts_to(api, chat_id: int) -> list[str]:
    return [call["text"] for call in api.sent_to(chat_id)]


def test_a_screenshot_with_a_caption_becomes_a_routed_telegram_ticket(telegram, run):
    telegram.add_file("shot-1", screenshot_png())
    assert run(update_receive, private_update(1, 501, text="Не проходит оплата картой", document="shot-1")) == "pending"
    assert Ticket.objects.count() == 0  # gathered first
    assert run(pending_flush) == 1

    ticket = Ticket.objects.get()
    assert ticket.source == Ticket.Source.TELEGRAM
    assert ticket.student.email == ""
    assert ticket.queue.slug == "payment"
    assert ticket.description == "Не проходит оплата картой"
    assert Attachment.objects.filter(ticket=ticket).count() == 1
    assert ticket.name == "Аня" and TelegramAccount.objects.get().student == ticket.student
    assert f"№{ticket.pk}" in texts_to(telegram, 501)[0]  # "received", through the outbox
    assert Delivery.objects.get(ticket=ticket, channel="telegram").status == Delivery.Status.SENT


def test_an_album_and_a_text_sent_together_are_one_ticket(telegram, run, settings):
    settings.SUPPORTDESK_TELEGRAM_GATHER_SECONDS = 5
    for n in (1, 2):
        telegram.add_file(f"album-{n}", screenshot_png(300 + n, 200))
    run(update_receive, private_update(10, 502, text="Видео урока не грузится"))
    run(update_receive, private_update(11, 502, photo="album-1", media_group_id="g1"))
    run(update_receive, private_update(12, 502, photo="album-2", media_group_id="g1"))
    assert run(pending_flush) == 0  # still inside the window
    assert run(pending_flush, now=timezone.now() + timedelta(seconds=6)) == 1

    ticket = Ticket.objects.get()
    assert ticket.attachments.count() == 2 and ticket.queue.slug == "course"
    assert set(TelegramUpdate.objects.values_list("ticket", flat=True)) == {ticket.pk}


def test_later_messages_join_the_open_ticket_and_new_starts_another(telegram, run):
    run(update_receive, private_update(20, 503, text="Не могу войти в аккаунт"))
    run(pending_flush)
    first = Ticket.objects.get()
    run(update_receive, private_update(21, 503, text="Пишет неверный пароль"))
    run(pending_flush)
    assert Ticket.objects.count() == 1
    assert list(first.messages.filter(author_kind=Message.Author.STUDENT).values_list("body", flat=True)) == [
        "Не могу войти в аккаунт", "Пишет неверный пароль"]

    assert run(update_receive, private_update(22, 503, text="/new")) == "new"
    run(update_receive, private_update(23, 503, text="Другой вопрос про оплату"))
    run(pending_flush)
    assert Ticket.objects.count() == 2
    assert not TelegramAccount.objects.get().start_new


def test_the_same_update_twice_makes_one_ticket_and_one_answer(telegram, run):
    update = private_update(30, 504, text="Не работает оплата")
    assert run(update_receive, update) == "pending"
    assert run(update_receive, update) == "duplicate"
    run(pending_flush)
    assert run(update_receive, update) == "duplicate"
    run(pending_flush)
    assert Ticket.objects.count() == 1
    command = private_update(31, 504, text="/help")
    run(update_receive, command)
    run(update_receive, command)
    assert sum("/status" in text for text in texts_to(telegram, 504)) == 1


def test_a_refused_file_gets_a_clear_message_and_the_text_is_kept(telegram, run):
    telegram.add_file("doc-pdf", b"%PDF-1.4 not an image")
    telegram.add_file("broken", b"\x89PNG\r\n\x1a\n broken")
    run(update_receive, private_update(40, 505, text="Вот выписка", document="doc-pdf", mime_type="application/pdf"))
    run(update_receive, private_update(41, 505, document="broken"))
    run(pending_flush)

    ticket = Ticket.objects.get()
    assert ticket.description == "Вот выписка" and ticket.attachments.count() == 0
    refusals = [text for text in texts_to(telegram, 505) if "не смогли принять файл" in text]
    assert len(refusals) == 2
    assert any("PNG, JPEG и WebP" in text for text in refusals)


def test_only_a_refused_file_makes_no_ticket_but_a_message(telegram, run):
    run(update_receive, private_update(45, 506, document="missing-file"))
    run(pending_flush)
    assert Ticket.objects.count() == 0
    assert any("Telegram не отдал нам файл" in text for text in texts_to(telegram, 506))


def test_start_help_and_status_commands(telegram, run):
    run(update_receive, private_update(50, 507, text="/start"))
    run(update_receive, private_update(51, 507, text="/status"))
    assert "Здравствуйте" in texts_to(telegram, 507)[0]
    assert "пока нет обращений" in texts_to(telegram, 507)[1]
    run(update_receive, private_update(52, 507, text="Не открывается урок"))
    run(pending_flush)
    ticket = Ticket.objects.get()
    run(update_receive, private_update(53, 507, text="/status@desk_test_bot"))
    status = texts_to(telegram, 507)[-1]
    assert f"#{ticket.pk}" in status and "Не открывается урок" in status


def test_an_english_speaker_is_answered_in_english(telegram, run):
    update = private_update(55, 508, text="/start")
    update["message"]["from"]["language_code"] = "en"
    run(update_receive, update)
    assert texts_to(telegram, 508)[0].startswith("Hello!")


def test_feedback_buttons_act_like_the_status_page(telegram, run, faq):
    run(update_receive, private_update(60, 509, text="Забыл пароль от личного кабинета, как восстановить?"))
    run(pending_flush)
    ticket = Ticket.objects.get()
    assert ticket.auto_answer_state == Ticket.AutoAnswerState.PENDING_FEEDBACK
    answer = [call for call in telegram.sent() if "reply_markup" in call and int(call["chat_id"]) == 509][-1]
    buttons = answer["reply_markup"]["inline_keyboard"][0]
    assert [b["text"] for b in buttons] == ["Помогло", "Нужен оператор"]

    assert run(update_receive, callback_update(61, 509, buttons[0]["callback_data"])) == "fb"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.RESOLVED
    assert telegram.sent("answerCallbackQuery")
    assert run(update_receive, callback_update(62, 999, buttons[0]["callback_data"])) == "refused"


def test_need_operator_reopens_the_ticket(telegram, run, faq):
    run(update_receive, private_update(65, 510, text="Забыл пароль от личного кабинета, как восстановить?"))
    run(pending_flush)
    ticket = Ticket.objects.get()
    assert run(update_receive, callback_update(66, 510, f"fb:{ticket.pk}:0")) == "fb"
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.OPEN
    assert run(update_receive, callback_update(67, 510, f"fb:{ticket.pk}:0")) == "rejected"


def test_outgoing_messages_wait_for_telegram_and_are_sent_once(telegram, run):
    from tgbot.services import outgoing_due_enqueue

    telegram.stop()
    try:
        run(update_receive, private_update(70, 511, text="/help"))
        row = TelegramOutgoing.objects.get()
        assert row.status == TelegramOutgoing.Status.PENDING and row.last_error
    finally:
        telegram.start()
    TelegramOutgoing.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))  # its backoff is over
    assert run(outgoing_due_enqueue) == 1
    row.refresh_from_db()
    assert row.status == TelegramOutgoing.Status.SENT
    assert len(texts_to(telegram, 511)) == 1
