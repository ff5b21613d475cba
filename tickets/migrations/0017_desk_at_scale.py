"""The desk at a million tickets (issue 13).

* Predictions stop keeping the sentence embedding nothing read (512 floats as JSON, ~6.3 KB a row before
  compression). Dropping the column is instant on PostgreSQL (a catalogue change); the space of existing rows
  comes back when the table is rewritten: ``VACUUM FULL tickets_prediction`` (locks the table while it runs;
  README, "Operator pages at a million tickets"), or pg_repack without the lock. New rows are small at once.
* A partial index of the open tickets per queue (the dashboard's counts), and (queue, created_at, id) for the
  keyset pages; partial indexes of what the health check and the metrics count (tickets waiting for the
  classifier, failed sends). CREATE INDEX blocks writes to tickets while it builds (seconds at a million rows).
"""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0016_search_merge_macros"),
    ]

    operations = [
        migrations.RemoveField(model_name="prediction", name="embedding"),
        migrations.RemoveIndex(model_name="ticket", name="ticket_queue_created"),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(fields=["queue", "created_at", "id"], name="ticket_queue_created_id"),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("status__in", ["new", "open", "waiting"])), fields=["queue", "status"], name="ticket_open_by_queue",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(condition=models.Q(("classification_state", "pending")), fields=["created_at"], name="ticket_classification_pending"),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(condition=models.Q(("status", "failed")), fields=["channel"], name="delivery_failed"),
        ),
        migrations.AddIndex(
            model_name="operatordelivery",
            index=models.Index(condition=models.Q(("status", "failed")), fields=["sink"], name="operator_delivery_failed"),
        ),
    ]
