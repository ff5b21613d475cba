"""Status-link lookups by SHA-256 digest of the token (existing links keep working: digests of their tokens)."""
import hashlib

from django.db import migrations, models


def fill_digests(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    for ticket in Ticket.objects.only("pk", "public_token").iterator(chunk_size=500):
        Ticket.objects.filter(pk=ticket.pk).update(public_token_digest=hashlib.sha256(ticket.public_token.encode()).hexdigest())


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0004_classify_pending_schedule"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="public_token_digest",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.RunPython(fill_digests, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="ticket",
            name="public_token_digest",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
    ]
