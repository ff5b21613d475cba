"""The operators' ticket filters (django-filter): every value validated before it reaches the database.

An unknown queue, status, label, topic or order is a 400 naming the field, not a 200 with an empty list;
a NUL byte in any value is a 400 too (PostgreSQL refuses NUL in text: a 500 DataError otherwise). The
same tests run on PostgreSQL in a subprocess (the ``postgres`` test at the end).
"""
from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from tests.factories import ClassifiedTicketFactory, operator, queue
from tests.postgres import run_module_on_postgresql
from tickets import selectors
from tickets.models import Topic

FILTERS = ("queue", "status", "label", "search", "topic", "order")


@pytest.fixture
def op_api(db, api_client):
    user = operator("filters-op", queues=["payment", "course"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def _list(api, **params):
    return api.get("/api/tickets/", params)


@pytest.mark.parametrize(
    "field, value",
    [("queue", "no-such-queue"), ("queue", "profile"), ("status", "lost"), ("label", "nonsense"), ("topic", "astrology"), ("order", "random")],
)
def test_an_unknown_choice_is_a_400_naming_the_field(op_api, field, value):
    ClassifiedTicketFactory()
    response = _list(op_api, **{field: value})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


@pytest.mark.parametrize("field", FILTERS)
def test_a_nul_byte_in_any_filter_is_a_400(op_api, field):
    ClassifiedTicketFactory(description="оплата")
    response = _list(op_api, **{field: "pay\x00ment"})
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]


def test_valid_filters_still_filter(op_api):
    paid = ClassifiedTicketFactory(description="Двойное списание", topic="payment")
    ClassifiedTicketFactory(queue=queue("course"), label="course-problem", description="урок", topic="course")
    ClassifiedTicketFactory(queue=queue("profile"), label="profile-problem")  # a queue this operator may not see
    rows = _list(op_api, queue="payment", status="active", label="payment-problem", topic="payment", search="списание", order="oldest")
    assert rows.status_code == 200 and [r["id"] for r in rows.json()["results"]] == [paid.pk]
    assert len(_list(op_api).json()["results"]) == 2


def test_status_open_is_open_only_and_active_is_every_unclosed_status(op_api):
    """Issue 8: "open" listed new and waiting tickets too; "active" is new + open + waiting."""
    tickets = {status: ClassifiedTicketFactory(status=status) for status in ("new", "open", "waiting", "resolved", "closed")}

    def ids(status):
        return {row["id"] for row in _list(op_api, status=status).json()["results"]}

    assert ids("open") == {tickets["open"].pk}
    assert ids("active") == {tickets[status].pk for status in ("new", "open", "waiting")}
    assert ids("closed") == {tickets["closed"].pk}
    assert [value for value, _label in selectors.status_choices()] == ["active", "new", "open", "waiting", "resolved", "closed"]


def test_topic_choices_are_the_database_rows(db):
    assert [name for name, _title in selectors.topic_choices()] == list(Topic.objects.filter(is_active=True).values_list("name", flat=True))
    assert {"payment", "offtopic"} <= {name for name, _title in selectors.topic_choices()}
    Topic.objects.filter(name="offtopic").update(is_active=False, title="Не по теме")
    Topic.objects.filter(name="career").update(title="Карьера")
    choices = dict(selectors.topic_choices())
    assert "offtopic" not in choices and choices["career"] == "Карьера"


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_on_postgresql():
    """This module's tests again with DATABASE_URL pointing at PostgreSQL (a database of their own)."""
    run_module_on_postgresql(__file__, "sd_filters")
