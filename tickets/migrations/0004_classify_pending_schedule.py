"""A django-q2 schedule that re-queues tickets stuck in "pending" (e.g. the broker was down at submit time)."""
from django.db import migrations

from ._schedules import schedule_every

SCHEDULE_NAME = "classify-pending"
SWEEP_MINUTES = 5


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_override_proxy"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [schedule_every(SCHEDULE_NAME, "tickets.tasks.classify_pending_task", SWEEP_MINUTES)]
