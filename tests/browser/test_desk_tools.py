"""The desk's tools of issue 12 in Chromium, at desktop width and at 375 px: search in every queue the operator may
see in Russian word forms (and never another queue's ticket), a bulk status change from the queue list, merging a
duplicate from the ticket page's suggestions (the student's old link leads to the merged ticket), and a canned
answer saved on its page and inserted into the reply box."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import log_in
from tickets.models import Queue, Ticket, TicketEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "op-pass-123"


def _ticket(desk, name: str, email: str, text: str, queue: str = "payment") -> Ticket:
    ticket = desk.ticket_create(name=name, email=email, description=text, screenshots=[])
    Ticket.objects.filter(pk=ticket.pk).update(queue=Queue.objects.get(slug=queue), classification_state="done")
    return Ticket.objects.get(pk=ticket.pk)


@pytest.fixture
def olga(desk):
    return desk.account_create(username="olga", password=PASSWORD, role="operator", queue_slugs=["payment"], email="olga@example.org")


def test_search_in_russian_word_forms_across_my_queues_only(desk, olga, page_watch, live_server):
    page, watch = page_watch
    paid = _ticket(desk, "Пётр Волков", "petr@example.org", "Оплата прошла, а курса нет")
    hidden = _ticket(desk, "Иван", "ivan@example.org", "Оплата курса не работает", queue="course")
    log_in(page, live_server, olga)
    page.goto("/desk/")
    page.fill(".top-search input[name=q]", "оплатой")
    with page.expect_navigation():
        page.press(".top-search input[name=q]", "Enter")
    rows = page.locator("#tickets tbody tr[data-ticket]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-ticket", str(paid.pk))
    assert page.locator(f"tr[data-ticket='{hidden.pk}']").count() == 0
    page.fill(".top-search input[name=q]", "Волков")
    with page.expect_navigation():
        page.press(".top-search input[name=q]", "Enter")
    expect(rows).to_have_count(1)
    watch.shot("desk-search-forms")


def test_bulk_status_change_from_the_queue_list(desk, olga, page_watch, live_server):
    page, watch = page_watch
    first = _ticket(desk, "Анна", "anna@example.org", "Не пришёл чек об оплате")
    second = _ticket(desk, "Борис", "boris@example.org", "Двойное списание")
    untouched = _ticket(desk, "Вера", "vera@example.org", "Не работает оплата картой")
    log_in(page, live_server, olga)
    page.goto("/desk/queues/payment/")
    expect(page.locator("#bulk-form [data-bulk-field=status]")).to_be_hidden()
    page.select_option("#bulk-form select[name=action]", "status")
    expect(page.locator("#bulk-form [data-bulk-field=status]")).to_be_visible()
    expect(page.locator("#bulk-form [data-bulk-field=assign]")).to_be_hidden()
    page.click("#bulk-apply")  # nothing selected: told so, no request
    expect(page.locator("[data-bulk-count]")).to_have_text("Сначала отметьте обращения в списке.")
    page.check(f"tr[data-ticket='{first.pk}'] input[name=tickets]")
    page.check(f"tr[data-ticket='{second.pk}'] input[name=tickets]")
    expect(page.locator("[data-bulk-count]")).to_have_text("отмечено: 2")
    page.select_option("#bulk-form select[name=status]", "waiting")
    watch.shot("desk-bulk")
    with page.expect_navigation():
        page.click("#bulk-apply")
    expect(page.locator(".messages")).to_contain_text("Готово: 2 обращения.")
    assert page.url.endswith("/desk/queues/payment/")
    assert set(Ticket.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)) == {"waiting"}
    assert Ticket.objects.get(pk=untouched.pk).status == "new"
    assert TicketEvent.objects.filter(kind="status", new_value="waiting", actor=olga).count() == 2


def test_merge_a_suggested_duplicate_and_the_students_old_link(desk, olga, open_page, live_server):
    page, watch = open_page()
    target = _ticket(desk, "Анна", "anna@example.org", "Списали деньги дважды за курс")
    duplicate = _ticket(desk, "Анна", "anna@example.org", "Списали деньги дважды за курс!")
    log_in(page, live_server, olga)
    page.goto(f"/desk/tickets/{duplicate.pk}/")
    suggestion = page.locator(f"#duplicates li[data-ticket='{target.pk}']")
    expect(suggestion).to_contain_text("почти совпадает")
    watch.shot("desk-duplicates")
    with page.expect_navigation():
        suggestion.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/desk/tickets/{target.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(f"Обращение №{duplicate.pk} объединено с этим")
    expect(page.locator("#history")).to_contain_text(f"С этим обращением объединено №{duplicate.pk}")
    expect(page.locator(".conversation")).to_contain_text("Списали деньги дважды за курс!")
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == target.pk

    student, _student_watch = open_page()
    student.goto(f"/support/t/{duplicate.public_token}/")
    expect(student.locator("#merged-into")).to_contain_text(f"теперь часть обращения №{target.pk}")
    with student.expect_navigation():
        student.click("#merged-into a")
    assert student.url.endswith(f"/support/t/{target.public_token}/")
    expect(student.locator("body")).to_contain_text(f"Ваше обращение №{duplicate.pk} теперь часть обращения №{target.pk}")


def test_merge_another_contacts_near_identical_ticket_after_confirming_the_same_person(desk, olga, page_watch, live_server):
    page, watch = page_watch
    target = _ticket(desk, "Анна", "anna@example.org", "Списали деньги дважды за курс Python")
    duplicate = _ticket(desk, "Анна К.", "anna.work@example.org", "Списали деньги дважды за курс Python!")
    log_in(page, live_server, olga)
    page.goto(f"/desk/tickets/{duplicate.pk}/")
    suggestion = page.locator(f"#duplicates li[data-ticket='{target.pk}']")
    expect(suggestion).to_contain_text("другой контакт")
    expect(suggestion.locator("[data-contacts]")).to_contain_text("anna.work@example.org")
    expect(suggestion.locator("[data-contacts]")).to_contain_text("anna@example.org")
    suggestion.locator("button[type=submit]").click()  # not confirmed: the browser keeps the form (required checkbox)
    assert suggestion.locator("input[name=same_person]").evaluate("box => box.validity.valueMissing")
    assert page.url.endswith(f"/desk/tickets/{duplicate.pk}/") and Ticket.objects.get(pk=duplicate.pk).merged_into_id is None
    suggestion.locator("input[name=same_person]").check()
    watch.shot("desk-duplicate-other-contact")
    with page.expect_navigation():
        suggestion.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/desk/tickets/{target.pk}/$"))
    expect(page.locator(".messages")).to_contain_text(f"Обращение №{duplicate.pk} объединено с этим")
    expect(page.locator("#history")).to_contain_text("тот же человек")
    expect(page.locator("#history")).to_contain_text("anna.work@example.org")
    assert Ticket.objects.get(pk=duplicate.pk).merged_into_id == target.pk


def test_canned_answer_saved_and_inserted_into_the_reply(desk, olga, page_watch, live_server):
    page, watch = page_watch
    ticket = _ticket(desk, "Мария Иванова", "maria@example.org", "Не пришёл чек")
    log_in(page, live_server, olga)
    page.goto("/desk/macros/")
    page.fill("#macro-form input[name=title]", "Чек")
    with watch.expect_status(400, r"/desk/macros/$"):
        page.fill("#macro-form textarea[name=body]", "Здравствуйте, {student_nam}!")
        with page.expect_navigation():
            page.click("#macro-form button[type=submit]")
    expect(page.locator("#macro-form")).to_contain_text("Неизвестные подстановки: {student_nam}")
    page.fill("#macro-form textarea[name=body]", "Здравствуйте, {student_name}! Чек по заявке №{ticket_number} придёт на почту.")
    with page.expect_navigation():
        page.click("#macro-form button[type=submit]")
    expect(page.locator("#macros")).to_contain_text("Чек")
    page.goto(f"/desk/tickets/{ticket.pk}/")
    page.fill("#reply-form textarea", "Добрый день.")
    page.click("#macros-picker summary")
    page.click("#macros-picker [data-macro-insert]")
    expected = f"Добрый день.\nЗдравствуйте, Мария Иванова! Чек по заявке №{ticket.pk} придёт на почту."
    expect(page.locator("#reply-form textarea")).to_have_value(expected)
    expect(page.locator("#reply-form textarea")).to_be_focused()
    watch.shot("desk-macro-inserted")
    with page.expect_navigation():
        page.click("#reply-form button[type=submit]")
    expect(page.locator(".conversation")).to_contain_text(f"Чек по заявке №{ticket.pk} придёт на почту.")
