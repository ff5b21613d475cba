"""The outbox of messages to students (issue 10), and the django-q2 schedule that sends retries and lost ones."""
import django.db.models.deletion
from django.db import migrations, models

from ._schedules import schedule_every

SCHEDULE_NAME = "deliver-notifications"
SWEEP_MINUTES = 1


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0010_topic"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name="Delivery",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("channel", models.CharField(max_length=32, verbose_name="channel")),
                ("address", models.CharField(help_text="Where the channel sends it (an e-mail address, a chat id).", max_length=254, verbose_name="address")),
                ("kind", models.CharField(choices=[("received", "Request received"), ("reply", "Operator's answer"), ("auto_answer", "Automatic answer"), ("offtopic", "Closed as off-topic")], max_length=16, verbose_name="kind")),
                ("payload", models.JSONField(blank=True, default=dict, verbose_name="payload")),
                ("status", models.CharField(choices=[("pending", "Waiting to be sent"), ("sending", "Being sent"), ("sent", "Sent"), ("failed", "Failed")], default="pending", max_length=16, verbose_name="status")),
                ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                ("last_error", models.TextField(blank=True, verbose_name="last error")),
                ("next_attempt_at", models.DateTimeField(verbose_name="next attempt at")),
                ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                ("message", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="tickets.message", verbose_name="message")),
                ("ticket", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="deliveries", to="tickets.ticket", verbose_name="ticket")),
            ],
            options={
                "verbose_name": "delivery to a student",
                "verbose_name_plural": "deliveries to students",
                "ordering": ["created_at", "id"],
                "indexes": [models.Index(condition=models.Q(("status__in", ["pending", "sending"])), fields=["next_attempt_at"], name="delivery_due")],
                "constraints": [models.UniqueConstraint(fields=("message", "kind", "channel"), name="delivery_once_per_channel")],
            },
        ),
        schedule_every(SCHEDULE_NAME, "tickets.tasks.deliveries_sweep_task", SWEEP_MINUTES),
    ]
