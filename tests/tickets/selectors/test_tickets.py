import pytest

from tests.factories import AdminFactory, ClassifiedTicketFactory, PredictionFactory, TicketFactory, operator, queue
from tickets import selectors, services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_queue_counts_count_open_tickets_per_queue():
    ClassifiedTicketFactory.create_batch(2)  # payment, new
    ClassifiedTicketFactory(status=Ticket.Status.RESOLVED)
    ClassifiedTicketFactory(queue=queue("course"), label="course-problem", status=Ticket.Status.WAITING)
    counts = {q.slug: (q.open_count, q.new_count) for q in selectors.queue_counts(AdminFactory())}
    assert counts == {"payment": (2, 2), "course": (1, 0), "profile": (0, 0), "triage": (0, 0)}


def test_operator_sees_only_allowed_queues():
    user = operator("limited", queues=["payment"])
    ClassifiedTicketFactory()
    course_ticket = ClassifiedTicketFactory(queue=queue("course"))
    assert [q.slug for q in selectors.queue_counts(user)] == ["payment"]
    with pytest.raises(selectors.TicketNotFound):
        selectors.ticket_detail_for_operator(user, course_ticket.pk)
    with pytest.raises(selectors.TicketNotFound):
        selectors.queue_get(user, "course")
    assert selectors.ticket_list(user).count() == 1


def test_ticket_list_filters_searches_and_orders():
    user = AdminFactory()
    old = ClassifiedTicketFactory(description="Карта отклонена", email="Old@Example.org")
    new = ClassifiedTicketFactory(description="Двойное списание", status=Ticket.Status.RESOLVED)
    assert list(selectors.ticket_list(user, queue_slug="payment")) == [new, old]
    assert list(selectors.ticket_list(user, queue_slug="payment", order="oldest")) == [old, new]
    assert list(selectors.ticket_list(user, queue_slug="payment", status=selectors.ACTIVE)) == [old]
    assert list(selectors.ticket_list(user, queue_slug="payment", status="new")) == [old]
    assert list(selectors.ticket_list(user, queue_slug="payment", status="open")) == []  # "open" alone, not "not closed"
    assert list(selectors.ticket_list(user, queue_slug="payment", status="resolved")) == [new]
    assert list(selectors.ticket_list(user, queue_slug="payment", search="списание")) == [new]
    assert list(selectors.ticket_list(user, queue_slug="payment", search="old@example.org")) == [old]
    assert list(selectors.ticket_list(user, queue_slug="payment", search=f"#{old.pk}")) == [old]


def test_queue_list_has_no_n_plus_one(django_assert_max_num_queries, client):
    user = operator("many")
    assignee = operator("someone")
    for _ in range(60):
        ticket = ClassifiedTicketFactory(assignee=assignee)
    ticket.attachments.create(file="a.png", content_type="image/png", width=1, height=1, sha256="ab" * 32)
    client.force_login(user)
    # session + user + profile checks + queue lookup + topics + the assignee filter's operators + the bulk bar's labels
    # + count + one page query + the page's screenshots, counted after the LIMIT (selectors.pages) — independent of
    # the page size.
    with django_assert_max_num_queries(11):
        response = client.get("/desk/queues/payment/?status=active")
    assert response.status_code == 200
    assert response.content.decode().count("data-ticket=") == 25
    page = list(selectors.ticket_list(user, queue_slug="payment")[:25])
    assert page[0].attachment_count == 1


def test_ticket_detail_for_operator_prefetches_everything(django_assert_max_num_queries):
    user = AdminFactory()
    ticket = ClassifiedTicketFactory()
    PredictionFactory(ticket=ticket)
    services.ticket_reply(ticket=ticket, body="hi", actor=user)
    with django_assert_max_num_queries(8):
        loaded = selectors.ticket_detail_for_operator(user, ticket.pk)
        list(loaded.messages.all()), list(loaded.events.all()), list(loaded.attachments.all())
        assert selectors.latest_prediction(loaded).label == "payment-problem"


def test_ticket_for_student_needs_the_exact_token():
    ticket = TicketFactory()
    assert selectors.ticket_for_student(ticket.public_token) == ticket
    assert len(ticket.public_token) >= 43
    for wrong in ["", ticket.public_token[:-1], ticket.public_token + "x", "x" * 200]:
        with pytest.raises(selectors.TicketNotFound):
            selectors.ticket_for_student(wrong)
