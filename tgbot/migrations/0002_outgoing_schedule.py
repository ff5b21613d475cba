"""The django-q2 schedule "telegram-outgoing": the bot's messages due for a retry, and students' gathered messages
no bot process flushed (webhook mode)."""
from django.db import migrations

from tickets.migrations._schedules import schedule_every


class Migration(migrations.Migration):

    dependencies = [
        ("tgbot", "0001_initial"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [schedule_every("telegram-outgoing", "tgbot.tasks.outgoing_sweep_task", 1)]
