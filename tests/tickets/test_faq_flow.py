"""The FAQ layer end to end (issue 4): automatic answers, the student's feedback, escalation, off-topic,
needs-human, suggestions for operators.

A small FAQ is imported per test (tests/tickets/conftest.py ``faq``); the sentence encoder is a hashing fake
and the topic a keyword fake (tests/fakes.py), so no model is loaded. Tasks run inline (sync cluster) when
the on-commit callbacks are executed.
"""
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from knowledge.models import FaqEntry, FaqUsage
from tests import fakes
from tests.knowledge import fakes as knowledge_fakes
from tickets import services
from tickets.models import Message, MessageAnalysis, Ticket, TicketEvent
from tickets.tasks import answer_message_task

pytestmark = pytest.mark.django_db

SURE_QUESTION = "Забыл пароль от личного кабинета, как восстановить?"
NEEDS_HUMAN = [
    "Верните деньги немедленно! Курс ужасный, подам в суд и пожалуюсь в Роспотребнадзор",
    "Требую вернуть деньги, иначе обращусь к юристу",
    "Я оплатила курс 10 дней назад, деньги списались, а доступа до сих пор нет. Проверьте мой платёж",
]
OFFTOPIC = "кто смотрел вчера футбол? какая погода"


def submit(client, django_capture_on_commit_callbacks, text: str) -> Ticket:
    """The student's web form; the background tasks run when the request's transaction commits."""
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("student:ticket_new"), {"name": "Аня", "email": "anya@example.org", "description": text})
    assert response.status_code == 302
    return Ticket.objects.get(public_token=response["Location"].rstrip("/").rsplit("/", 1)[-1])


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def usage(kind: str, entry: str = "reset-password") -> int:
    return FaqUsage.objects.filter(entry__external_id=entry, kind=kind).count()


def feedback_through_status_page(ticket: Ticket, solved: bool):
    student = Client(enforce_csrf_checks=True)
    page = student.get(reverse("student:ticket_status", kwargs={"token": ticket.public_token}))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="auto-answer-feedback"' in html
    return student.post(
        reverse("student:ticket_feedback", kwargs={"token": ticket.public_token}),
        {"csrfmiddlewaretoken": csrf_token(html), "solved": "1" if solved else "0"},
        follow=True,
    )


def test_sure_question_is_answered_automatically_and_waits_for_feedback(client, faq, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)

    ticket.refresh_from_db()
    bot = ticket.messages.get(author_kind=Message.Author.BOT)
    assert bot.is_automatic and bot.faq_entry.external_id == "reset-password"
    assert bot.body == FaqEntry.objects.get(external_id="reset-password").answer
    assert (ticket.status, ticket.auto_answer_state, ticket.topic) == ("waiting", "pending_feedback", "profile")
    assert ticket.auto_answered_at is not None
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.auto_answered and not analysis.needs_human and analysis.decision == "auto_answer"
    assert [s["id"] for s in analysis.suggestions][0] == "reset-password" and len(analysis.suggestions) == 3
    assert usage("auto_sent") == 1
    assert ticket.events.filter(kind=TicketEvent.Kind.FAQ).exists()
    assert ticket.events.get(kind=TicketEvent.Kind.AUTO_ANSWER).new_value == "reset-password"
    # The student is e-mailed the answer with the link (after the "received" mail).
    assert len(mail.outbox) == 2 and bot.body in mail.outbox[1].body and ticket.public_token in mail.outbox[1].body

    page = client.get(reverse("student:ticket_status", kwargs={"token": ticket.public_token})).content.decode()
    assert "data-automatic" in page and "Автоматический ответ" in page
    assert "Это помогло" in page and "Мне всё ещё нужна помощь" in page
    # The topic classifier got the school's FAQ questions as labelled examples.
    text, examples = fakes.message_calls[-1]
    assert text == SURE_QUESTION and "Забыл пароль" in examples["profile"]
    # ... and the FAQ's cached index (its entries, with their topics) for the "best FAQ entry's topic" signal.
    from knowledge.services import faq_index_get

    index = fakes.message_faq_indexes[-1]
    assert index is faq_index_get()
    assert {(e.id, e.topic) for e in index.entries} == set(
        FaqEntry.objects.filter(is_active=True).values_list("external_id", "topic"))


def test_this_solved_it_through_the_status_page_resolves(client, faq, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)

    response = feedback_through_status_page(ticket, solved=True)

    assert response.status_code == 200
    ticket.refresh_from_db()
    assert (ticket.status, ticket.auto_answer_state) == ("resolved", "solved")
    assert usage("accepted") == 1 and usage("rejected") == 0
    assert ticket.events.get(kind=TicketEvent.Kind.FEEDBACK).new_value == "solved"
    html = response.content.decode()
    assert 'id="auto-answer-feedback"' not in html  # the buttons are gone
    # A second click changes nothing.
    again = Client().post(reverse("student:ticket_feedback", kwargs={"token": ticket.public_token}), {"solved": "0"})
    assert again.status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "resolved" and usage("rejected") == 0


def test_still_need_help_goes_to_an_operator_with_the_answer_visible(
    client, faq, operator_client, django_capture_on_commit_callbacks
):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)

    feedback_through_status_page(ticket, solved=False)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.auto_answer_state) == ("open", "escalated")
    assert usage("rejected") == 1 and usage("accepted") == 0
    queue = operator_client.get(reverse("operator:queue", kwargs={"slug": ticket.queue.slug}), {"status": "open"})
    assert f'data-ticket="{ticket.pk}"' in queue.content.decode()
    page = operator_client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk})).content.decode()
    assert "data-automatic" in page and "«Забыли пароль?»" in page


def test_no_reply_in_time_escalates_to_an_operator(client, faq, settings, django_capture_on_commit_callbacks):
    settings.SUPPORTDESK_AUTO_ANSWER_ESCALATE_AFTER = 3600
    stale = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    fresh = submit(client, django_capture_on_commit_callbacks, "Где найти записи прошедших вебинаров?")
    Ticket.objects.filter(pk=stale.pk).update(auto_answered_at=timezone.now() - timedelta(hours=2))

    assert services.auto_answers_escalate_stale() == 1
    assert services.auto_answers_escalate_stale() == 0  # idempotent

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, stale.auto_answer_state) == ("open", "escalated")
    assert stale.events.get(kind=TicketEvent.Kind.ESCALATED).new_value == "no reply"
    assert usage("rejected") == 0 and usage("accepted") == 0  # no feedback is neither
    assert (fresh.status, fresh.auto_answer_state) == ("waiting", "pending_feedback")
    # Later the fresh one is stale too.
    assert services.auto_answers_escalate_stale(now=timezone.now() + timedelta(hours=2)) == 1


def test_escalation_schedule_exists():
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="auto-answer-escalate")
    assert (schedule.func, schedule.minutes, schedule.repeats) == ("tickets.tasks.auto_answers_escalate_task", 15, -1)


def test_student_reply_while_waiting_for_feedback_means_still_need_help(client, faq, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_student_reply(ticket=ticket, body="Письмо не приходит уже третий день, проверьте мой аккаунт")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.auto_answer_state) == ("open", "escalated")
    assert usage("rejected") == 1
    assert ticket.messages.filter(author_kind=Message.Author.BOT).count() == 1


def test_a_reply_with_a_new_sure_question_gets_a_new_automatic_answer(client, faq, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_student_reply(ticket=ticket, body="Где найти записи прошедших вебинаров?")

    ticket.refresh_from_db()
    assert (ticket.status, ticket.auto_answer_state) == ("waiting", "pending_feedback")
    assert [m.faq_entry.external_id for m in ticket.messages.filter(author_kind=Message.Author.BOT)] == ["reset-password", "recordings"]
    assert usage("auto_sent", "recordings") == 1


def test_offtopic_gets_a_polite_reply_is_closed_and_listed_for_operators(
    client, faq, operator_client, django_capture_on_commit_callbacks
):
    ticket = submit(client, django_capture_on_commit_callbacks, OFFTOPIC)

    ticket.refresh_from_db()
    assert (ticket.status, ticket.topic, ticket.auto_answer_state) == ("closed", "offtopic", "none")
    reply = ticket.messages.get(author_kind=Message.Author.BOT)
    assert "учёбе" in reply.body or "учеб" in reply.body  # the fixed Russian reply
    assert reply.faq_entry is None and not FaqUsage.objects.exists()
    url = reverse("operator:queue", kwargs={"slug": ticket.queue.slug})
    assert f'data-ticket="{ticket.pk}"' in operator_client.get(url, {"topic": "offtopic"}).content.decode()
    assert f'data-ticket="{ticket.pk}"' not in operator_client.get(url, {"topic": "payment"}).content.decode()
    assert f'data-ticket="{ticket.pk}"' not in operator_client.get(url, {"status": "open"}).content.decode()


def test_offtopic_reply_in_a_running_conversation_does_not_close_it(client, faq, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, NEEDS_HUMAN[2])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_student_reply(ticket=ticket, body=OFFTOPIC)
    ticket.refresh_from_db()
    assert ticket.status != "closed" and not ticket.messages.filter(author_kind=Message.Author.BOT).exists()


@pytest.mark.parametrize("text", NEEDS_HUMAN)
def test_needs_human_is_never_answered_automatically(client, faq, text, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, text)

    ticket.refresh_from_db()
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.needs_human and not analysis.auto_answered and analysis.decision == "suggest"
    assert analysis.suggestions  # operators still get suggestions
    assert not ticket.messages.filter(author_kind=Message.Author.BOT).exists()
    assert (ticket.status, ticket.auto_answer_state) == ("new", "none")
    assert not FaqUsage.objects.exists() and len(mail.outbox) == 1  # only "received"


def test_task_twice_gives_one_automatic_answer(faq, django_capture_on_commit_callbacks):
    ticket = services.ticket_create(name="A", email="a@example.org", description=SURE_QUESTION)  # callbacks not run
    message = ticket.messages.get()

    assert answer_message_task(message.pk) == "auto_answer"
    assert answer_message_task(message.pk) == "skipped"
    with django_capture_on_commit_callbacks(execute=True):
        services.message_answer(message.pk)

    assert MessageAnalysis.objects.filter(message=message).count() == 1
    assert ticket.messages.filter(author_kind=Message.Author.BOT).count() == 1
    assert usage("auto_sent") == 1 and ticket.events.filter(kind=TicketEvent.Kind.AUTO_ANSWER).count() == 1


def test_operator_sees_stored_suggestions_and_inserting_one_counts_operator_sent(
    client, faq, operator_client, django_capture_on_commit_callbacks
):
    ticket = submit(client, django_capture_on_commit_callbacks, NEEDS_HUMAN[1])
    encoder_calls = len(knowledge_fakes.ENCODER.calls)
    topic_calls = len(fakes.message_calls)

    page = operator_client.get(reverse("operator:ticket", kwargs={"ticket_id": ticket.pk}))

    html = page.content.decode()
    refund = FaqEntry.objects.get(external_id="refund-policy")
    assert 'id="faq-suggestions"' in html and html.count("data-faq-insert=") == 3
    assert f'data-faq-insert="{refund.pk}"' in html and refund.question in html
    assert 'name="faq_entry_id"' in html
    # Rendered from the stored analysis: no encoder or topic model ran in the web request.
    assert len(knowledge_fakes.ENCODER.calls) == encoder_calls and len(fakes.message_calls) == topic_calls

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(
            reverse("operator:ticket_reply", kwargs={"ticket_id": ticket.pk}), {"body": refund.answer, "faq_entry_id": refund.pk},
        )
    assert response.status_code == 302
    assert usage("operator_sent", "refund-policy") == 1
    assert ticket.messages.get(author_kind=Message.Author.OPERATOR).faq_entry == refund
    # A plain reply (no suggestion used) is not counted.
    operator_client.post(reverse("operator:ticket_reply", kwargs={"ticket_id": ticket.pk}), {"body": "Проверяю платёж"})
    assert FaqUsage.objects.filter(kind="operator_sent").count() == 1


def test_feedback_api(client, faq, api_client, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    url = reverse("api:public-ticket-feedback", kwargs={"token": ticket.public_token})

    public = api_client.get(reverse("api:public-ticket", kwargs={"token": ticket.public_token})).json()
    assert public["auto_answer_state"] == "pending_feedback"
    assert [m["automatic"] for m in public["messages"]] == [False, True]

    response = api_client.post(url, {"solved": False}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "open" and response.json()["auto_answer_state"] == "escalated"
    assert api_client.post(url, {"solved": True}, format="json").status_code == 400  # nothing pending any more
    assert api_client.get(url).status_code == 405
    assert api_client.post(reverse("api:public-ticket-feedback", kwargs={"token": "x" * 43}), {"solved": True}, format="json").status_code == 404
    assert usage("rejected") == 1


def test_operator_api_filters_by_topic(client, faq, api_client, operator_user, django_capture_on_commit_callbacks):
    offtopic = submit(client, django_capture_on_commit_callbacks, OFFTOPIC)
    submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    api_client.force_authenticate(operator_user)
    rows = api_client.get(reverse("api:tickets"), {"topic": "offtopic"}).json()["results"]
    assert [(r["id"], r["topic"]) for r in rows] == [(offtopic.pk, "offtopic")]


def test_operator_involved_means_no_automatic_answer(client, faq, operator_user, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, NEEDS_HUMAN[2])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=ticket, body="Проверяем ваш платёж.", actor=operator_user)
        services.ticket_student_reply(ticket=ticket, body=SURE_QUESTION)
    ticket.refresh_from_db()
    assert not ticket.messages.filter(author_kind=Message.Author.BOT).exists()
    assert ticket.messages.last().analysis.decision == "suggest"


def test_without_faq_entries_nothing_is_analysed_and_no_model_runs(client, django_capture_on_commit_callbacks):
    encoder_calls, topic_calls = len(knowledge_fakes.ENCODER.calls), len(fakes.message_calls)
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert (analysis.decision, analysis.reason) == ("skipped", "the FAQ is empty")
    assert len(knowledge_fakes.ENCODER.calls) == encoder_calls and len(fakes.message_calls) == topic_calls


def test_a_failing_faq_layer_leaves_the_ticket_to_operators(client, faq, monkeypatch, django_capture_on_commit_callbacks):
    def explode(*args, **kwargs):
        raise RuntimeError("model went away")

    monkeypatch.setattr("tickets.services.auto_answer.faq_answer_decision", explode)
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    ticket.refresh_from_db()
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.decision == "failed" and "model went away" in analysis.reason
    assert ticket.status == "new" and ticket.classification_state == "done"
    assert not ticket.messages.filter(author_kind=Message.Author.BOT).exists()


def test_automatic_answers_can_be_switched_off(client, faq, settings, django_capture_on_commit_callbacks):
    settings.SUPPORTDESK_AUTO_ANSWER = False
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    assert not MessageAnalysis.objects.exists()
    assert not ticket.messages.filter(author_kind=Message.Author.BOT).exists()


SAMPLE_FAQ = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "sample_faq.yaml"


def test_sample_faq_for_the_demo_imports_idempotently():
    from knowledge.services import faq_import

    assert faq_import(SAMPLE_FAQ.read_text(encoding="utf-8")) == {"created": 10, "updated": 0, "unchanged": 0, "deactivated": 0}
    assert faq_import(SAMPLE_FAQ.read_text(encoding="utf-8"))["unchanged"] == 10
    assert set(FaqEntry.objects.values_list("topic", flat=True)) == {"payment", "profile", "course", "career", "general"}


@pytest.mark.slow
def test_real_encoder_and_topic_model_on_the_sample_faq(client, settings, django_capture_on_commit_callbacks):
    """The real multilingual encoder and message classifier (a few seconds): a paraphrase is answered,
    a refund threat is not, chit-chat is closed as off-topic."""
    from knowledge.services import faq_import, faq_index_reset

    settings.SUPPORTDESK_FAQ_ENCODER = "classifier.shared_sentence_encoder"
    settings.SUPPORTDESK_MESSAGE_CLASSIFIER = "classifier.classify_message"
    faq_index_reset()
    try:
        faq_import(SAMPLE_FAQ.read_text(encoding="utf-8"))
        answered = submit(client, django_capture_on_commit_callbacks, "не помню пароль, как зайти в кабинет?")
        threat = submit(client, django_capture_on_commit_callbacks, "Требую вернуть деньги, иначе обращусь к юристу")
        chat = submit(client, django_capture_on_commit_callbacks, "посоветуйте хороший сериал на выходные")
    finally:
        faq_index_reset()
    answered.refresh_from_db()
    threat.refresh_from_db()
    chat.refresh_from_db()
    assert answered.auto_answer_state == "pending_feedback"
    assert answered.messages.get(author_kind=Message.Author.BOT).faq_entry.external_id == "reset-password"
    assert threat.auto_answer_state == "none" and threat.messages.last().analysis.needs_human
    assert (chat.status, chat.topic) == ("closed", "offtopic")


def test_operator_status_change_ends_the_wait_for_feedback(client, faq, operator_user, django_capture_on_commit_callbacks):
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    services.ticket_set_status(ticket=ticket, status="resolved", actor=operator_user)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.auto_answer_state) == ("resolved", "escalated")
    with pytest.raises(ValidationError):
        services.auto_answer_feedback(ticket=ticket, solved=False)
    assert services.auto_answers_escalate_stale(now=timezone.now() + timedelta(days=30)) == 0


def test_operator_reply_with_an_unknown_faq_entry_is_not_counted(faq, operator_user):
    from tests.factories import ClassifiedTicketFactory

    ticket = ClassifiedTicketFactory()
    message = services.ticket_reply(ticket=ticket, body="Ответ", actor=operator_user, faq_entry=999999)
    assert message.faq_entry is None and not FaqUsage.objects.exists()


def test_status_page_polls_until_the_automatic_answer_is_ready(client, faq):
    ticket = services.ticket_create(name="A", email="a@example.org", description=SURE_QUESTION)  # tasks not run yet
    Ticket.objects.filter(pk=ticket.pk).update(classification_state="done")
    state_url = reverse("student:ticket_status_json", kwargs={"token": ticket.public_token})
    page = client.get(reverse("student:ticket_status", kwargs={"token": ticket.public_token})).content.decode()
    assert state_url in page and client.get(state_url).json()["answer_pending"] is True

    answer_message_task(ticket.messages.get().pk)

    assert client.get(state_url).json()["answer_pending"] is False
    page = client.get(reverse("student:ticket_status", kwargs={"token": ticket.public_token})).content.decode()
    assert state_url not in page and "data-automatic" in page


def test_lost_answer_tasks_are_requeued_by_the_schedule(faq):
    from tickets.tasks import auto_answers_escalate_task

    ticket = services.ticket_create(name="A", email="a@example.org", description=SURE_QUESTION)  # broker "lost" it
    message = ticket.messages.get()
    assert services.message_answer_sweep() == 0  # too fresh: the task may still be on its way
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=10))

    assert auto_answers_escalate_task() == "escalated: 0, re-queued: 1"  # the sync cluster runs the task inline

    ticket.refresh_from_db()
    assert ticket.auto_answer_state == "pending_feedback" and message.analysis.decision == "auto_answer"
    assert services.message_answer_sweep() == 0
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(hours=3))
    MessageAnalysis.objects.all().delete()
    assert services.message_answer_sweep() == 0  # too old to answer automatically


def test_analysis_and_audit_carry_the_faq_calibration_version(client, faq, django_capture_on_commit_callbacks):
    from knowledge.models import FaqCalibrationFit

    version = FaqCalibrationFit.objects.order_by("-pk").first().version  # fitted when the fixture imported the FAQ
    ticket = submit(client, django_capture_on_commit_callbacks, SURE_QUESTION)
    analysis = MessageAnalysis.objects.get(message__ticket=ticket)
    assert analysis.model_version.endswith(version)
    assert ticket.events.get(kind=TicketEvent.Kind.FAQ).model_version.endswith(version)
