"""The operators' desk of issue 12 in Chromium, at desktop width and at 375 px: the queue list's ages, SLA breaches and
urgency order, the assignee filter, keyboard shortcuts, assigning, internal notes with a mention that reaches the
colleague's counter without a reload (and never the student's page), availability, notifications, and the
student's rating."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tickets.models import OperatorNotification, OperatorProfile, Queue, Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "op-pass-123"
PAYMENT = "Я оплатила курс 10 дней назад, деньги списались, а доступа до сих пор нет. Проверьте мой платёж"


def _ticket(desk, name: str, text: str = PAYMENT, *, age: timedelta | None = None) -> Ticket:
    ticket = desk.ticket_create(name=name, email=f"{abs(hash(name)) % 10**6}@example.org", description=text, screenshots=[])
    if age is not None:
        then = timezone.now() - age
        Ticket.objects.filter(pk=ticket.pk).update(created_at=then, waiting_since=then)
    return Ticket.objects.get(pk=ticket.pk)


def _rows(page):
    return page.locator("#tickets tbody tr[data-ticket]")


@pytest.fixture
def team(desk, settings):
    """payment: reply within an hour; olga and ivan work there; the counters poll every second."""
    settings.SUPPORTDESK_NOTIFICATION_POLL_SECONDS = 1
    Queue.objects.filter(slug="payment").update(first_response_target=timedelta(hours=1), resolution_target=timedelta(hours=8))
    olga = desk.account_create(username="olga", password=PASSWORD, role="operator", queue_slugs=["payment"], email="olga@example.org")
    ivan = desk.account_create(username="ivan", password=PASSWORD, role="operator", queue_slugs=["payment"], email="ivan@example.org")
    return olga, ivan


def test_queue_list_urgency_filters_and_keyboard(desk, team, page_watch, live_server):
    page, watch = page_watch
    olga, ivan = team
    fresh = _ticket(desk, "Свежий Студент", age=timedelta(minutes=5))
    soon = _ticket(desk, "Скоро Срок", age=timedelta(minutes=45))
    overdue = _ticket(desk, "Давно Ждёт", age=timedelta(hours=3))
    theirs = _ticket(desk, "Чужой Тикет", age=timedelta(minutes=20))
    desk.ticket_assign(ticket=theirs, assignee=ivan, actor=ivan)
    log_in(page, live_server, olga)

    page.goto("/desk/")
    page.click("a[data-queue=payment]")
    expect(page.locator("#filters select[name=order]")).to_have_value("urgent")
    assert [int(pk) for pk in _rows(page).evaluate_all("rows => rows.map(r => r.dataset.ticket)")] == [overdue.pk, soon.pk, theirs.pk, fresh.pk]
    breached = page.locator(f"tr[data-ticket='{overdue.pk}'] [data-sla=breached]")
    expect(breached).to_contain_text("ответ просрочен: 2")
    expect(page.locator(f"tr[data-ticket='{soon.pk}'] [data-sla=soon]")).to_contain_text(re.compile(r"до ответа: 1[45]\s+минут"))
    expect(page.locator(f"tr[data-ticket='{overdue.pk}'] .waiting")).to_contain_text("ждёт: 3")
    watch.shot("desk-queue-sla")

    page.select_option("#filters select[name=assignee]", "ivan")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    expect(_rows(page)).to_have_count(1)
    page.select_option("#filters select[name=assignee]", "none")
    with page.expect_navigation():
        page.click("#filters button[type=submit]")
    expect(_rows(page)).to_have_count(3)
    expect(page.locator("#filters select[name=order]")).to_have_value("urgent")

    # Keyboard: "?" lists the shortcuts, Esc closes; typing in the search box is never a shortcut.
    page.keyboard.press("?")
    expect(page.locator("#kbd-help")).to_be_visible()
    expect(page.locator("#kbd-help")).to_contain_text("назначить выбранное обращение на меня")
    page.keyboard.press("Escape")
    expect(page.locator("#kbd-help")).to_be_hidden()
    page.click("#id_q")
    page.keyboard.type("ja?")
    expect(page.locator("#id_q")).to_have_value("ja?")
    expect(page.locator("#kbd-help")).to_be_hidden()
    page.locator("#id_q").blur()
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    expect(page.locator("tr.kbd-selected")).to_have_attribute("data-ticket", str(overdue.pk))
    page.keyboard.press("a")  # assign the selected ticket to me: opens it
    page.wait_for_url(re.compile(rf"/desk/tickets/{overdue.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Обращение назначено на вас")
    assert Ticket.objects.get(pk=overdue.pk).assignee_id == olga.pk
    page.keyboard.press("j")  # the next ticket of the list it came from
    page.wait_for_url(re.compile(rf"/desk/tickets/{soon.pk}/$"))
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"/desk/queues/payment/"))
    page.click("#my-tickets-link")
    expect(_rows(page)).to_have_count(1)
    expect(page.locator("[data-counter=mine]")).to_have_text("1")


def test_assign_note_mention_live_counter_and_the_student_never_sees_it(desk, team, open_page, live_server):
    olga, ivan = team
    ticket = _ticket(desk, "Анна Студентка", age=timedelta(minutes=10))
    colleague, colleague_watch = open_page()
    log_in(colleague, live_server, ivan)
    colleague.goto("/desk/")
    expect(colleague.locator("[data-counter=unread]")).to_be_hidden()

    page, watch = open_page()
    log_in(page, live_server, olga)
    page.goto(f"/desk/tickets/{ticket.pk}/")
    expect(page.locator("#ticket-sla")).to_contain_text("до ответа")
    page.keyboard.press("n")
    expect(page.locator("#note-form textarea")).to_be_focused()
    page.keyboard.type("@ivan проверь платёж в банке, студентке не обещать возврат")
    page.click("#note-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Уведомлены: ivan.")
    expect(page.locator(".conversation .msg.note")).to_contain_text("студентке не обещать возврат")
    page.select_option("#assign-form select", "ivan")
    page.click("#assign-form button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Обращение назначено на ivan.")
    page.keyboard.press("r")
    expect(page.locator("#reply-form textarea")).to_be_focused()
    watch.shot("desk-ticket-note")

    # The colleague's header counts both (mention, assignment) without a reload; opening the ticket reads them.
    expect(colleague.locator("[data-counter=unread]")).to_have_text("2", timeout=8000)
    expect(colleague).to_have_title(re.compile(r"^\(2\) "))
    colleague.click("#notifications-link")
    expect(colleague.locator("#notifications li")).to_have_count(2)
    expect(colleague.locator("#notifications")).to_contain_text("olga упомянул(а) вас")
    colleague.locator("#notifications li a").first.click()
    colleague.wait_for_url(re.compile(rf"/desk/tickets/{ticket.pk}/$"))
    expect(colleague.locator("[data-counter=unread]")).to_be_hidden()
    assert OperatorNotification.objects.filter(recipient=ivan, read_at__isnull=True).count() == 0

    student, _student_watch = open_page()
    student.goto(f"/support/t/{ticket.public_token}/")
    expect(student.locator(".conversation")).to_contain_text("Я оплатила курс")
    assert "обещать" not in student.content()


def test_availability_and_reading_notifications(desk, team, page_watch, live_server, one_request_at_a_time):
    page, _watch = page_watch
    olga, _ivan = team
    log_in(page, live_server, olga)
    page.goto("/desk/queues/payment/")
    expect(page.locator("#availability-form button")).to_have_attribute("aria-pressed", "false")
    page.click("#availability-form button")
    page.wait_for_url(re.compile(r"/desk/queues/payment/"))
    expect(page.locator("#availability-form button")).to_have_attribute("aria-pressed", "true")
    assert OperatorProfile.objects.get(user=olga).available
    with one_request_at_a_time:  # the page polls notifications.json meanwhile, on the same SQLite connection
        _ticket(desk, "Новый Студент")  # classified into payment: olga is on duty, she hears of it
    expect(page.locator("[data-counter=unread]")).to_have_text("1", timeout=8000)
    page.click("#notifications-link")
    expect(page.locator("#notifications li.unread")).to_contain_text("Новое обращение")
    page.check("#notification-settings input[value=new_ticket]")
    page.click("#notification-settings button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Настройки уведомлений сохранены.")
    page.click("main form[action$='/read/'] button")
    expect(page.locator("#notifications li.unread")).to_have_count(0)


def test_student_rates_the_help(desk, team, page_watch):
    page, watch = page_watch
    olga, _ivan = team
    ticket = _ticket(desk, "Анна Студентка")
    desk.ticket_reply(ticket=ticket, body="Платёж нашли, доступ открыт.", actor=olga)
    desk.ticket_set_status(ticket=ticket, status=Ticket.Status.RESOLVED, actor=olga)
    page.goto(f"/support/t/{ticket.public_token}/")
    expect(page.locator("#rating")).to_contain_text("Как мы справились?")
    watch.shot("student-rating")
    page.click("#rating label:has-text('4')")
    page.fill("#rating textarea", "Быстро, спасибо")
    page.click("#rating button[type=submit]")
    expect(page.locator(".messages")).to_contain_text("Спасибо за оценку!")
    expect(page.locator("#rating-given")).to_contain_text("4 из 5")
    expect(page.locator("#rating")).to_have_count(0)
    assert ticket.rating.score == 4
