"""A fresh database starts with the default queues (payment, course, profile, triage) and intents."""
from django.db import migrations


def seed(apps, schema_editor):
    from tickets.defaults import seed_defaults

    seed_defaults(apps.get_model("tickets", "Queue"), apps.get_model("tickets", "Intent"))


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
