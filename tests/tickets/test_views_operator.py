import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import AdminFactory, ClassifiedTicketFactory, PredictionFactory, TicketFactory, operator, queue
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_login_page_and_login(client, operator_user):
    assert client.get(reverse("operator:login")).status_code == 200
    response = client.post(reverse("operator:login"), {"username": "olga", "password": "pass12345!"})
    assert response.status_code == 302 and response["Location"] == reverse("operator:dashboard")


def test_dashboard_shows_open_counts(operator_client):
    ClassifiedTicketFactory.create_batch(3)
    body = operator_client.get(reverse("operator:dashboard")).content.decode()
    assert 'data-queue="payment"' in body and '<span class="open-count stat-big">3</span>' in body


def test_queue_page_lists_paginates_and_searches(operator_client):
    ClassifiedTicketFactory.create_batch(30)
    target = ClassifiedTicketFactory(email="needle@example.org")
    page1 = operator_client.get(reverse("operator:queue", args=["payment"]))
    assert page1.context["page"].paginator.num_pages == 2
    found = operator_client.get(reverse("operator:queue", args=["payment"]), {"q": "needle@example.org"})
    assert [t.pk for t in found.context["page"]] == [target.pk]


def test_ticket_page_shows_prediction_ocr_and_history(operator_client):
    ticket = ClassifiedTicketFactory(description="Деньги списались")
    PredictionFactory(ticket=ticket, ocr_text="Платёж отклонён", scores={"payment-problem": 0.9, "course-problem": 0.1})
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert "Деньги списались" in body and "Платёж отклонён" in body and "course-problem" in body


def test_pending_ticket_page_shows_classifying_and_polls(operator_client):
    ticket = TicketFactory()
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert 'id="classifying"' in body and "state.json" in body
    state = operator_client.get(reverse("operator:ticket_state_json", args=[ticket.pk])).json()
    assert state["classification_state"] == "pending"


def test_take_reply_status_and_override(operator_client, operator_user, django_capture_on_commit_callbacks):
    ticket = ClassifiedTicketFactory()
    operator_client.post(reverse("operator:ticket_take", args=[ticket.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        operator_client.post(reverse("operator:ticket_reply", args=[ticket.pk]), {"body": "Проверим"})
    operator_client.post(reverse("operator:ticket_status", args=[ticket.pk]), {"status": "resolved"})
    response = operator_client.post(reverse("operator:ticket_override", args=[ticket.pk]), {"label": "course-problem", "reason": "про урок"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee == operator_user and ticket.status == "resolved"
    assert ticket.queue.slug == "course" and ticket.label == "course-problem"
    assert len(mail.outbox) == 1
    kinds = set(ticket.events.values_list("kind", flat=True))
    assert {"assign", "reply", "status", "override", "routed"} <= kinds
    assert ticket.events.get(kind=TicketEvent.Kind.OVERRIDE).actor == operator_user


def test_override_with_unknown_label_is_refused(operator_client):
    ticket = ClassifiedTicketFactory()
    operator_client.post(reverse("operator:ticket_override", args=[ticket.pk]), {"label": "hack"})
    ticket.refresh_from_db()
    assert ticket.label == "payment-problem"


def test_operator_gets_screenshot_with_safe_headers(operator_client):
    from tests.factories import upload
    from tickets.services import ticket_create
    from tickets.uploads import clean_screenshots

    ticket = ticket_create(name="a", email="a@example.org", description="x", screenshots=clean_screenshots([upload('evil".png')]))
    attachment = ticket.attachments.get()
    response = operator_client.get(reverse("operator:attachment", args=[attachment.pk]))
    assert response.status_code == 200 and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert response["Content-Disposition"].startswith('inline; filename="evil.png"')  # the quote is stripped


def test_quality_page_for_admins(client):
    client.force_login(AdminFactory())
    response = client.get(reverse("operator:quality"))
    assert response.status_code == 200 and 'id="confusion"' in response.content.decode()


# --- Issue 8 defects ------------------------------------------------------------------------------


def test_queue_filter_open_is_not_the_same_as_not_closed(operator_client):
    """"В работе" had the value of "Незакрытые" (open): choosing it listed new and waiting tickets and the
    dropdown jumped back to "Незакрытые"."""
    new, in_progress, waiting = (ClassifiedTicketFactory(status=status) for status in ("new", "open", "waiting"))
    url = reverse("operator:queue", args=["payment"])
    page = operator_client.get(url, {"status": "open"})
    assert [t.pk for t in page.context["page"]] == [in_progress.pk]
    select = re.search(r'<select name="status"[^>]*>(.*?)</select>', page.content.decode(), re.S).group(1)
    assert re.findall(r'<option value="([^"]*)"[^>]*selected', select) == ["open"]
    values = re.findall(r'<option value="([^"]*)"', select)
    assert len(values) == len(set(values))  # every choice has its own value
    active = operator_client.get(url, {"status": "active"})
    assert {t.pk for t in active.context["page"]} == {new.pk, in_progress.pk, waiting.pk}


def _unsure_ticket(operator_client):
    from tickets import services

    ticket = TicketFactory(description="привет")
    services.ticket_classify(ticket_id=ticket.pk)
    prediction = ticket.predictions.get()
    prediction.confidence, prediction.scores = 0.2, {"other": 0.53, "course-problem": 0.2, "payment-problem": 0.15, "profile-problem": 0.12}
    prediction.save()
    ticket.events.filter(kind="predicted").update(confidence=0.2)
    return ticket, operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()


def test_unsure_ticket_says_not_sure_and_what_won(operator_client):
    """It showed "уверенность 0,20" while `other` scored 0.53, and "Предсказано (0,20)" with no label."""
    _ticket, body = _unsure_ticket(operator_client)
    prediction = re.search(r'<p id="prediction">(.*?)</p>', body, re.S).group(1)
    assert "Не уверен" in prediction and "Другое" in prediction and "0,53" in prediction and "0,20" not in prediction
    history = body.split('id="history"', 1)[1]
    assert "Предсказано: не уверен (выше всех: Другое 0,53)" in history


def test_override_starts_on_an_empty_choice(operator_client):
    """The dropdown defaulted to a real label: one stray click routed the ticket."""
    ticket, body = _unsure_ticket(operator_client)
    select = re.search(r'<select name="label"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert re.search(r'<option value="([^"]*)"', select).group(1) == ""
    assert re.findall(r'<option value="([^"]*)"[^>]*selected', select) in ([], [""])
    response = operator_client.post(reverse("operator:ticket_override", args=[ticket.pk]), {"label": "", "reason": ""}, follow=True)
    assert "Выберите метку" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.queue.slug == "triage" and not ticket.label_overridden


def test_ticket_page_shows_the_description_once(operator_client):
    from tickets import services

    ticket = services.ticket_create(name="Ира", email="ira@example.org", description="Уникальное описание проблемы")
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert body.count("Уникальное описание проблемы") == 1


def test_no_raw_slugs_or_english_lines_for_operators(operator_client, faq, django_capture_on_commit_callbacks):
    """Raw slugs (profile-problem, topic payment), English FAQ-decision lines, the timing line."""
    from tickets import services

    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Ира", email="ira@example.org", description="Не могу войти, забыл пароль от аккаунта")
    services.ticket_student_reply(ticket=ticket, body="Всё ещё не работает")
    body = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    main = re.sub(r"<[^>]+>", " ", body.split("<main>", 1)[1])  # what the operator reads (not attribute values)
    for raw in ("profile-problem", "reset-password", "needs_human", "possibly needs", "student reply", "Topic: profile", "fusion", "ocr 0"):
        assert raw not in main, raw
    assert "Проблема с профилем" in main and "Профиль" in main
    assert 'id="model-details"' not in body  # the per-stage timings are for admins


def test_admins_see_the_timings_folded(client, django_capture_on_commit_callbacks):
    from tickets import services

    client.force_login(AdminFactory())
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_create(name="Ира", email="ira@example.org", description="Не проходит оплата")
    body = client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    details = re.search(r'<details[^>]*id="model-details">(.*?)</details>', body, re.S).group(1)
    assert "fake-1" in details and "ocr" in details


def test_queue_filter_names_topics_like_their_queues(operator_client):
    """The filter said "Курс" where the queue is "Обучение"."""
    body = operator_client.get(reverse("operator:queue", args=["course"])).content.decode()
    topics = re.search(r'<select name="topic"[^>]*>(.*?)</select>', body, re.S).group(1)
    assert ">Обучение<" in topics and "Курс" not in topics


def test_operator_opening_the_quality_page_gets_a_page_not_a_traceback(operator_client, caplog):
    """A bare "403 Forbidden" and a traceback logged twice."""
    response = operator_client.get(reverse("operator:quality"))
    assert response.status_code == 403
    body = response.content.decode()
    assert "только для администраторов" in body and 'class="top"' in body  # the desk's layout, with a way back
    assert not [record for record in caplog.records if record.exc_info]


def test_search_page_counts_matches_up_to_a_cap(operator_client, monkeypatch):
    """The search page counts at most NUMBERED_ROWS + 1 matches ("3+"), so a common word costs no COUNT of them all."""
    monkeypatch.setattr("tickets.selectors.pages.NUMBERED_ROWS", 3)
    ClassifiedTicketFactory.create_batch(5, description="Оплата не прошла")
    ClassifiedTicketFactory(description="Курс не открывается")
    many = operator_client.get(reverse("operator:search"), {"q": "оплатой"})
    paginator = many.context["page"].paginator
    assert paginator.count == 3 and paginator.count_capped and paginator.num_pages == 1
    assert "(3+)" in many.content.decode() and len(many.context["page"]) == 3
    few = operator_client.get(reverse("operator:search"), {"q": "курсом"})
    assert few.context["page"].paginator.count == 1 and not few.context["page"].paginator.count_capped
    assert "(1)" in few.content.decode()


def _unsure_in_triage() -> Ticket:
    ticket = ClassifiedTicketFactory(label="", confidence=None, queue=queue("triage"), status=Ticket.Status.OPEN)
    PredictionFactory(ticket=ticket, label="", scores={"other": 0.3})
    return ticket


def test_not_a_support_request_closes_and_labels_once(operator_client, operator_user, django_capture_on_commit_callbacks):
    ticket = _unsure_in_triage()
    url = reverse("operator:ticket_close_out_of_scope", args=[ticket.pk])
    page = operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()
    assert 'id="out-of-scope-form"' in page and f'action="{url}"' in page and "data-submit-once" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(url, follow=True)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.label, ticket.label_overridden) == ("closed", "other", True)
    assert response.redirect_chain == [(reverse("operator:ticket", args=[ticket.pk]), 302)]
    assert [str(m) for m in response.context["messages"]] == ["Закрыто: это не обращение в поддержку."]
    assert 'id="out-of-scope-form"' not in response.content.decode()  # closed and labelled: no longer offered
    events = ticket.events.count()

    again = operator_client.post(url, follow=True)  # a second click (another tab, a stale page)
    assert [str(m) for m in again.context["messages"]] == ["Это обращение уже закрыто как не обращение в поддержку."]
    assert ticket.events.count() == events
    assert ticket.events.get(kind=TicketEvent.Kind.OVERRIDE).actor == operator_user


def test_not_a_support_request_is_not_offered_on_a_closed_or_out_of_scope_ticket(operator_client):
    closed = ClassifiedTicketFactory(status=Ticket.Status.CLOSED)
    other = ClassifiedTicketFactory(label="other", queue=queue("triage"))
    for ticket in (closed, other):
        assert 'id="out-of-scope-form"' not in operator_client.get(reverse("operator:ticket", args=[ticket.pk])).content.decode()


def test_not_a_support_request_needs_a_post_and_an_operator_of_the_ticket(client):
    ticket = ClassifiedTicketFactory(status=Ticket.Status.OPEN)  # in payment
    url = reverse("operator:ticket_close_out_of_scope", args=[ticket.pk])
    client.force_login(operator("kate", queues=["course"]))
    assert client.post(url).status_code == 404  # a ticket of another queue: as if it did not exist
    client.force_login(operator("pavel", queues=["payment"]))
    assert client.get(url).status_code == 405
    ticket.refresh_from_db()
    assert (ticket.status, ticket.label) == ("open", "payment-problem") and not ticket.events.exists()
    response = client.post(url)  # its own queue's operator; the ticket moves to triage, out of pavel's queues
    assert response.status_code == 302 and response["Location"] == reverse("operator:dashboard")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.label, ticket.queue.slug) == ("closed", "other", "triage")
