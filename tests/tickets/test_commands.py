import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests.factories import TicketFactory

pytestmark = pytest.mark.django_db


def test_create_account_operator_with_queues():
    call_command("create_account", "--role", "operator", "--username", "op", "--password", "s3cret-pass", "--queues", "payment,course")
    user = get_user_model().objects.get(username="op")
    assert user.check_password("s3cret-pass") and not user.is_staff
    assert set(user.operator_profile.queues.values_list("slug", flat=True)) == {"payment", "course"}


def test_create_account_admin():
    call_command("create_account", "--role", "admin", "--username", "root", "--password", "s3cret-pass")
    assert get_user_model().objects.get(username="root").is_superuser


def test_create_account_unknown_queue_fails():
    with pytest.raises(CommandError):
        call_command("create_account", "--role", "operator", "--username", "x", "--password", "p", "--queues", "nope")


def test_seed_desk_is_idempotent(capsys):
    call_command("seed_desk")
    call_command("seed_desk")
    assert "queues created: 0, intents created: 0, topics created: 0" in capsys.readouterr().out


def test_drf_create_token_works_for_operators():
    call_command("create_account", "--role", "operator", "--username", "tok", "--password", "s3cret-pass")
    call_command("drf_create_token", "tok")
    from rest_framework.authtoken.models import Token

    assert Token.objects.filter(user__username="tok").exists()


def test_classify_pending_now():
    ticket = TicketFactory(description="оплата", created_at=None)
    call_command("classify_pending", "--older-than", "0", "--now")
    ticket.refresh_from_db()
    assert ticket.classification_state == "done" and ticket.queue.slug == "payment"
