"""A django-q2 schedule that re-queues tickets stuck in "pending" (e.g. the broker was down at submit time)."""
from django.db import migrations

SCHEDULE_NAME = "classify-pending"
SWEEP_MINUTES = 5


def create_schedule(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if not Schedule.objects.filter(name=SCHEDULE_NAME).exists():
        Schedule.objects.create(
            name=SCHEDULE_NAME,
            func="tickets.tasks.classify_pending_task",
            schedule_type="I",  # Schedule.MINUTES
            minutes=SWEEP_MINUTES,
            repeats=-1,  # forever
        )


def delete_schedule(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=SCHEDULE_NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0003_override_proxy"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create_schedule, delete_schedule)]
