"""Group chat (tgbot.services.group): FAQ answers in the thread, hand-overs by deep link, silence otherwise."""
import re

import pytest

from tests.tgbot.fake_bot_api import USERNAME, group_update, private_update
from tgbot.models import GroupReply, TelegramGroup, TelegramUpdate
from tgbot.services import pending_flush, update_receive
from tickets.models import Ticket

pytestmark = pytest.mark.django_db
GROUP = -100500
SURE = "Забыл пароль от личного кабинета, как восстановить?"
NEEDS_PERSON = "Я оплатила курс 10 дней назад, деньги списались, а доступа до сих пор нет"


def test_a_sure_faq_question_gets_one_brief_threaded_answer(telegram, faq, run):
    update = group_update(100, GROUP, 801, SURE)
    assert run(update_receive, update) == "answer"
    assert run(update_receive, update) == "duplicate"
    again = group_update(101, GROUP, 801, SURE)
    again["message"]["message_id"] = update["message"]["message_id"]  # the same message in another update
    assert run(update_receive, again) == "answered before"
    (answer,) = telegram.sent_to(GROUP)
    assert "Забыли пароль" in answer["text"] and "Аня" not in answer["text"]
    replied_to = answer.get("reply_to_message_id") or answer["reply_parameters"]["message_id"]
    assert int(replied_to) == update["message"]["message_id"]
    assert Ticket.objects.count() == 0
    # The topic classifier was given the FAQ's cached index, as on the desk's own messages.
    from knowledge.models import FaqEntry
    from knowledge.services import faq_index_get
    from tests import fakes

    assert fakes.message_calls[-1][0] == SURE and fakes.message_faq_indexes[-1] is faq_index_get()
    assert {e.id for e in fakes.message_faq_indexes[-1].entries} == set(
        FaqEntry.objects.filter(is_active=True).values_list("external_id", flat=True))


def test_a_question_needing_a_person_gets_a_deep_link_that_carries_it_into_a_ticket(telegram, faq, run):
    update = group_update(110, GROUP, 802, NEEDS_PERSON)
    assert run(update_receive, update) == "handover"
    (invitation,) = telegram.sent_to(GROUP)
    link = re.search(rf"https://t\.me/{USERNAME}\?start=(q[\w-]+)", invitation["text"])
    assert link and NEEDS_PERSON not in invitation["text"]  # the question stays in the group message, not in ours

    assert run(update_receive, private_update(111, 999, text=f"/start {link.group(1)}")) == "handover refused"
    assert Ticket.objects.count() == 0
    assert run(update_receive, private_update(112, 802, text=f"/start {link.group(1)}")) == "handover"
    ticket = Ticket.objects.get()
    assert ticket.description == NEEDS_PERSON and ticket.source == Ticket.Source.TELEGRAM
    assert GroupReply.objects.get().ticket == ticket
    assert any(f"№{ticket.pk}" in call["text"] for call in telegram.sent_to(802))
    run(update_receive, private_update(113, 802, text=f"/start {link.group(1)}"))  # the link again: no second ticket
    run(pending_flush)
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("text", [
    "кто смотрел вчера футбол? какая погода",  # off-topic
    "спасибо большое!",  # thanks
    "ну да, согласен с тобой полностью",  # chatter
])
def test_chatter_and_thanks_get_nothing(telegram, faq, run, text):
    assert run(update_receive, group_update(120, GROUP, 803, text)) in ("not for the bot", "no question")
    assert telegram.sent_to(GROUP) == []
    assert TelegramUpdate.objects.get().status == TelegramUpdate.Status.IGNORED


def test_students_answering_each_other_are_left_alone(telegram, faq, run):
    assert run(update_receive, group_update(130, GROUP, 804, SURE, reply_to_user=805)) == "between students"
    mention = group_update(131, GROUP, 804, f"@masha {SURE}")
    mention["message"]["entities"] = [{"type": "mention", "offset": 0, "length": 6}]
    assert run(update_receive, mention) == "between students"
    assert telegram.sent_to(GROUP) == []


def test_a_group_not_on_the_allow_list_is_read_by_nobody_until_the_admin_allows_it(telegram, faq, run):
    assert run(update_receive, group_update(140, -42, 806, SURE)) == "group not allowed"
    assert TelegramGroup.objects.get(chat_id=-42).is_allowed is False
    TelegramGroup.objects.filter(chat_id=-42).update(is_allowed=True)
    assert run(update_receive, group_update(141, -42, 806, SURE)) == "answer"


def test_the_bot_stays_quiet_under_a_flood(telegram, faq, run, settings):
    settings.SUPPORTDESK_TELEGRAM_GROUP_CHAT_PER_MINUTE = 3
    settings.SUPPORTDESK_TELEGRAM_GROUP_USER_PER_HOUR = 2
    outcomes = [run(update_receive, group_update(150 + n, GROUP, 807, SURE)) for n in range(4)]
    assert outcomes == ["answer", "answer", "rate limited", "rate limited"]
    outcomes = [run(update_receive, group_update(160 + n, GROUP, 810 + n, SURE)) for n in range(3)]
    assert outcomes == ["answer", "rate limited", "rate limited"]
    assert len(telegram.sent_to(GROUP)) == 3


def test_the_bot_being_added_to_a_group_is_remembered_for_the_admin(telegram, run):
    update = {"update_id": 170, "my_chat_member": {
        "chat": {"id": -777, "type": "supergroup", "title": "Поток 12"}, "from": {"id": 1, "is_bot": False, "first_name": "A"},
        "date": 0, "old_chat_member": {"status": "left", "user": {"id": 7000001, "is_bot": True, "first_name": "Desk"}},
        "new_chat_member": {"status": "member", "user": {"id": 7000001, "is_bot": True, "first_name": "Desk"}},
    }}
    assert run(update_receive, update) == "group seen"
    assert TelegramGroup.objects.get(chat_id=-777).title == "Поток 12"
