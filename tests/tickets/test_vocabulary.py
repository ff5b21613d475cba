"""One vocabulary (tickets.vocabulary): display names in both languages, never a raw slug."""
import pytest
from django.utils import translation

from tests.factories import ClassifiedTicketFactory, IntentFactory, queue
from tickets import vocabulary
from tickets.models import Queue, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language, names", [
    ("ru", ["Оплата", "Обучение", "Профиль", "Разбор"]),
    ("en", ["Payments", "Learning", "Profile", "Triage"]),
])
def test_seeded_queues_read_in_the_visitors_language(language, names):
    with translation.override(language):
        assert [vocabulary.queue_name(queue(slug)) for slug in ("payment", "course", "profile", "triage")] == names
        assert vocabulary.topic_name("course") == names[1]  # a topic reads like its queue
        assert vocabulary.student_queue_name(queue("triage")) == ("Служба поддержки" if language == "ru" else "Support team")


def test_a_name_the_school_chose_is_shown_as_written():
    Queue.objects.filter(slug="course").update(name="Курсы и вебинары")
    new = Queue.objects.create(slug="career", name="Карьерный центр")
    with translation.override("en"):
        assert vocabulary.queue_name(queue("course")) == "Курсы и вебинары"
        assert vocabulary.queue_name(new) == "Карьерный центр"
        assert vocabulary.queue_name("nowhere") == "nowhere"


def test_labels_by_title_and_not_sure():
    intent = IntentFactory(name="certificate-problem", title="Сертификат")
    with translation.override("ru"):
        assert vocabulary.label_name("") == vocabulary.label_name("unsure") == "Не уверен"
        assert vocabulary.label_name("other") == "Другое"
        assert vocabulary.label_name("certificate-problem", intent) == "Сертификат"
    with translation.override("en"):
        assert vocabulary.label_name("payment-problem") == "Payment problem" and vocabulary.label_name(None) == "Not sure"


def test_history_lines_name_things_and_translate_system_reasons():
    ticket = ClassifiedTicketFactory()
    faq = TicketEvent(ticket=ticket, kind="faq", old_value="profile", new_value="suggest: reset-password", confidence=0.72,
                      reason="possibly needs a human (0.30); needs_human=False (0.30)")
    reopened = TicketEvent(ticket=ticket, kind="status", old_value="waiting", new_value="open", reason="student reply")
    with translation.override("ru"):
        line = vocabulary.event_line(faq, faq_question="Как восстановить пароль?")
        assert line == "FAQ: Оставлено оператору (только подсказки) · лучшая статья FAQ: Как восстановить пароль? (0,72)"
        assert vocabulary.event_reason(faq) == ("possibly needs a human (0.30); needs_human=False (0.30)", True)  # admins only
        assert vocabulary.event_line(reopened) == "Статус: Ждёт студента → В работе"
        assert vocabulary.event_reason(reopened) == ("студент написал снова", False)
