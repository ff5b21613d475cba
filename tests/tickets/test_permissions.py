import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from tests.factories import AdminFactory, ClassifiedTicketFactory, UserFactory, operator, queue, upload
from tickets.services import ticket_create
from tickets.uploads import clean_screenshots

pytestmark = pytest.mark.django_db


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("operator:dashboard"))
    assert response.status_code == 302 and reverse("operator:login") in response["Location"]


def test_plain_user_without_profile_is_forbidden(client):
    client.force_login(UserFactory())
    assert client.get(reverse("operator:dashboard")).status_code == 403


def test_limited_operator_cannot_open_other_queues_or_tickets(client):
    user = operator("pay-only", queues=["payment"])
    course_ticket = ClassifiedTicketFactory(queue=queue("course"), label="course-problem")
    client.force_login(user)
    assert client.get(reverse("operator:queue", args=["course"])).status_code == 404
    assert client.get(reverse("operator:ticket", args=[course_ticket.pk])).status_code == 404
    assert client.post(reverse("operator:ticket_take", args=[course_ticket.pk])).status_code == 404
    assert client.get(reverse("operator:queue", args=["payment"])).status_code == 200


def test_limited_operator_cannot_see_other_queue_screenshots(client):
    ticket = ticket_create(name="a", email="a@example.org", description="x", screenshots=clean_screenshots([upload()]))
    client.force_login(operator("profile-only", queues=["profile"]))
    assert client.get(reverse("operator:attachment", args=[ticket.attachments.get().pk])).status_code == 404


def test_limited_operator_api(api_client):
    user = operator("pay-api", queues=["payment"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    hidden = ClassifiedTicketFactory(queue=queue("course"))
    ClassifiedTicketFactory()
    assert api_client.get(f"/api/tickets/{hidden.pk}/").status_code == 404
    assert api_client.get("/api/tickets/").json()["count"] == 1


def test_token_of_non_operator_is_forbidden(api_client):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert api_client.get("/api/tickets/").status_code == 403


def test_quality_page_is_admin_only(client):
    client.force_login(operator("normal"))
    assert client.get(reverse("operator:quality")).status_code == 403
    client.force_login(AdminFactory())
    assert client.get(reverse("operator:quality")).status_code == 200


def test_admin_sees_every_queue(client):
    client.force_login(AdminFactory())
    for slug in ["payment", "course", "profile", "triage"]:
        assert client.get(reverse("operator:queue", args=[slug])).status_code == 200


def test_operator_actions_need_post_and_csrf(client):
    from django.test import Client

    ticket = ClassifiedTicketFactory()
    assert client.get(reverse("operator:ticket_take", args=[ticket.pk])).status_code in (302, 405)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(operator("csrf"))
    assert strict.post(reverse("operator:ticket_take", args=[ticket.pk])).status_code == 403
