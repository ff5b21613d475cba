"""Operators' and admins' accounts, and setting up a fresh desk."""
from __future__ import annotations

from typing import Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from ..defaults import seed_defaults, seed_topics
from ..models import Intent, OperatorProfile, Queue, Topic

User = get_user_model()


def account_create(*, username: str, password: str, role: str, queue_slugs: Sequence[str] = (), email: str = ""):
    """Create or update an operator (limited to ``queue_slugs``, or all queues when empty) or an admin."""
    if role not in ("operator", "admin"):
        raise ValidationError({"role": "role must be operator or admin"})
    queues = list(Queue.objects.filter(slug__in=queue_slugs))
    missing = set(queue_slugs) - {q.slug for q in queues}
    if missing:
        raise ValidationError({"queues": f"unknown queues: {', '.join(sorted(missing))}"})
    with transaction.atomic():
        user, _created = User.objects.get_or_create(username=username, defaults={"email": email})
        if email:
            user.email = email
        user.is_active = True
        user.is_staff = role == "admin"
        user.is_superuser = role == "admin"
        user.set_password(password)
        user.save()
        profile, _profile_created = OperatorProfile.objects.get_or_create(user=user)  # not ``_``: that is gettext
        profile.all_queues = role == "admin" or not queues
        profile.save(update_fields=["all_queues"])
        profile.queues.set(queues)
    return user


def desk_seed() -> tuple[int, int, int]:
    """Create the default queues, and the shipped intents and topics, if missing: (queues, intents, topics) created.

    Rows that exist are left as the admin edited them.
    """
    with transaction.atomic():
        queues, intents = seed_defaults(Queue, Intent)
        return queues, intents, seed_topics(Topic)
