"""services.accounts: operators' accounts and a fresh desk's defaults (queues, intents, topics from the classifier's files)."""
import pytest
from django.core.exceptions import ValidationError

from tickets import services

pytestmark = pytest.mark.django_db


def test_account_create_operator_with_queues_and_admin():
    op = services.account_create(username="op", password="pw-12345!", role="operator", queue_slugs=["payment", "course"])
    assert not op.is_staff and sorted(op.operator_profile.queues.values_list("slug", flat=True)) == ["course", "payment"]
    assert not op.operator_profile.all_queues and op.check_password("pw-12345!")
    admin = services.account_create(username="ad", password="pw-12345!", role="admin")
    assert admin.is_staff and admin.is_superuser
    with pytest.raises(ValidationError):
        services.account_create(username="x", password="pw", role="operator", queue_slugs=["nope"])


def test_desk_seed_is_idempotent():
    assert services.desk_seed() == (0, 0, 0)  # the data migrations already created everything
    from tickets.models import Intent, Queue

    assert set(Queue.objects.values_list("slug", flat=True)) == {"payment", "course", "profile", "triage"}
    assert Intent.objects.get(name="payment-problem").queue.slug == "payment"
    assert Intent.objects.get(name="other").in_scope is False


def test_intents_and_topics_come_from_the_classifiers_files_only():
    import classifier
    from tickets.models import Intent, Topic

    assert set(Intent.objects.values_list("name", flat=True)) == {i.name for i in classifier.LabelSet.default_images().intents}
    shipped_topics = [t.name for t in classifier.LabelSet.default_topics().intents]
    assert list(Topic.objects.values_list("name", flat=True)) == shipped_topics  # in the file's order

    # The admin's edits stay; a missing row comes back.
    Topic.objects.filter(name="career").update(title="Карьера", position=99)
    Topic.objects.filter(name="general").delete()
    assert services.desk_seed() == (0, 0, 1)
    assert Topic.objects.get(name="career").title == "Карьера" and Topic.objects.filter(name="general").exists()
