"""Issue 13, the database at 100k tickets under 0.4 GB: the same data in fewer bytes, nothing dropped.

* A prediction's label scores and stage timings: JSONB → packed float32 (models.packed.FloatMapField; 193 → ~125
  bytes a row). Converted in Python, 5,000 rows a statement (100k predictions: a few seconds; a million: ~1 min).
* The status link token's digest and the screenshots' checksum: 64 hex characters → their 32 bytes
  (models.packed.HexDigestField); PostgreSQL converts in place (``decode(…, 'hex')``), keeping the unique
  constraint and the index; other databases rebuild the column and rewrite the rows.
* Foreign-key indexes another index already leads with are dropped (delivery.message, delivery.event,
  ticket.queue, ticket.assignee); the events' actor and the messages' author and FAQ entry indexes keep only the
  rows that have one.
* The packed score tables are written in format 2 (models.packed: a byte per known name), the existing ones
  repacked; backwards, format 1 again (what the code before 0021 reads).
"""
import json


import django.db.models.deletion
import tickets.models.packed
from django.conf import settings
from django.db import migrations, models

from tickets.models.packed import FloatMapField, HexDigestField, pack_score_table, unpack_score_table

BATCH = 5000
PACKED = (("scores", "scores_packed"), ("timings", "timings_packed"))
DIGESTS = (("tickets_ticket", "public_token_digest", "Ticket"), ("tickets_attachment", "sha256", "Attachment"))


def _batches(cursor, table, columns):
    """(id, *columns) rows of ``table`` in id order, BATCH at a time."""
    last = 0
    while True:
        cursor.execute(f'SELECT id, {", ".join(columns)} FROM "{table}" WHERE id > %s ORDER BY id LIMIT {BATCH}', [last])
        rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _json(value):
    return json.loads(value) if isinstance(value, (str, bytes)) else (value or {})


def pack_predictions(apps, schema_editor):
    """scores/timings JSON → packed; the per-signal score tables format 1 → 2 (~110 bytes a row less)."""
    sources = [source for source, _packed in PACKED]
    targets = ", ".join(f'"{packed}" = %s' for _source, packed in PACKED)
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, "tickets_prediction", [*sources, "signals"]):
            cursor.executemany(
                f'UPDATE "tickets_prediction" SET {targets}, "signals" = %s WHERE id = %s',
                [(*(FloatMapField.pack(_json(value)) for value in values), pack_score_table(unpack_score_table(signals)), pk)
                 for pk, *values, signals in rows],
            )


def unpack_predictions(apps, schema_editor):
    """Back: JSON again, and the score tables in format 1, which the code before 0021 reads."""
    packed = [packed for _source, packed in PACKED]
    targets = ", ".join(f'"{source}" = %s' for source, _packed in PACKED)
    with schema_editor.connection.cursor() as cursor:
        for rows in _batches(cursor, "tickets_prediction", [*packed, "signals"]):
            cursor.executemany(
                f'UPDATE "tickets_prediction" SET {targets}, "signals" = %s WHERE id = %s',
                [(*(json.dumps(FloatMapField.unpack(value)) for value in values), pack_score_table(unpack_score_table(signals), version=1), pk)
                 for pk, *values, signals in rows],
            )


def _convert_digests(apps, schema_editor, *, to_bytes):
    connection = schema_editor.connection
    for table, column, model_name in DIGESTS:
        if connection.vendor == "postgresql":
            using = f'decode("{column}", \'hex\')' if to_bytes else f'encode("{column}", \'hex\')'
            schema_editor.execute(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE {"bytea" if to_bytes else "varchar(64)"} USING {using}')
            continue
        model = apps.get_model("tickets", model_name)
        old_field = model._meta.get_field(column)
        new_field = HexDigestField(verbose_name=old_field.verbose_name) if to_bytes else models.CharField(old_field.verbose_name, max_length=64)
        new_field.set_attributes_from_name(column)
        new_field.model = model
        schema_editor.alter_field(model, old_field, new_field)
        with connection.cursor() as cursor:
            for rows in _batches(cursor, table, [column]):
                cursor.executemany(
                    f'UPDATE "{table}" SET "{column}" = %s WHERE id = %s',
                    [(bytes.fromhex(value) if to_bytes and isinstance(value, str) else
                      (bytes(value).hex() if not to_bytes and not isinstance(value, str) else value), pk) for pk, value in rows],
                )


def digests_to_bytes(apps, schema_editor):
    _convert_digests(apps, schema_editor, to_bytes=True)


def digests_to_hex(apps, schema_editor):
    _convert_digests(apps, schema_editor, to_bytes=False)



class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0020_idempotency_reply_scope'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='delivery',
            name='event',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='tickets.ticketevent', verbose_name='status change'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='message',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='tickets.message', verbose_name='message'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='assignee',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='assigned_tickets', to=settings.AUTH_USER_MODEL, verbose_name='assignee'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='queue',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='tickets', to='tickets.queue', verbose_name='queue'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='actor',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.AddIndex(
            model_name='ticketevent',
            index=models.Index(condition=models.Q(('actor__isnull', False)), fields=['actor'], name='event_actor'),
        ),
        migrations.AlterField(
            model_name='message',
            name='author',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL, verbose_name='author'),
        ),
        migrations.AlterField(
            model_name='message',
            name='faq_entry',
            field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='knowledge.faqentry', verbose_name='FAQ entry'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('author__isnull', False)), fields=['author'], name='message_author'),
        ),
        migrations.AddIndex(
            model_name='message',
            index=models.Index(condition=models.Q(('faq_entry__isnull', False)), fields=['faq_entry'], name='message_faq_entry'),
        ),
        migrations.AddField(model_name="prediction", name="scores_packed", field=FloatMapField(verbose_name="scores")),
        migrations.AddField(model_name="prediction", name="timings_packed", field=FloatMapField(verbose_name="timings")),
        migrations.RunPython(pack_predictions, unpack_predictions),
        migrations.RemoveField(model_name="prediction", name="scores"),
        migrations.RemoveField(model_name="prediction", name="timings"),
        migrations.RenameField(model_name="prediction", old_name="scores_packed", new_name="scores"),
        migrations.RenameField(model_name="prediction", old_name="timings_packed", new_name="timings"),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(digests_to_bytes, digests_to_hex)],
            state_operations=[
                migrations.AlterField(model_name="attachment", name="sha256", field=HexDigestField(verbose_name="SHA-256 checksum")),
                migrations.AlterField(
                    model_name="ticket", name="public_token_digest", field=HexDigestField(verbose_name="status link token digest"),
                ),
            ],
        ),
    ]

