"""Issue 13, the database at 100k tickets (README, "Operator pages at a million tickets"):

* predictions' per-signal scores as float32 bytes (models.packed), converted in place: ~681 → ~190 bytes a row;
* no LIKE (``varchar_pattern_ops``) indexes on the status-link token digest and the screenshots' checksums, and no
  index on the token itself (the digest's unique index covers it): 41 MB of 103 at 100k on the ticket table;
* the events' (kind, created_at) index only over the kinds read by time (26 MB → ~0), none on created_at alone
  (17 MB: the admin lists them by id).

On PostgreSQL the conversion rewrites every prediction: ``VACUUM FULL tickets_prediction`` (locks the table, a few
seconds per 100k rows) returns the old rows' space afterwards, as after 0017.
"""
import json

from django.db import migrations, models

import tickets.models.packed
import tickets.models.ticket

BATCH = 5_000


def _rows(cursor, column: str, after: int):
    cursor.execute(f'SELECT id, "{column}" FROM tickets_prediction WHERE id > %s ORDER BY id LIMIT %s', [after, BATCH])
    return cursor.fetchall()


def pack_signals(apps, schema_editor):
    connection = schema_editor.connection
    after = 0
    with connection.cursor() as cursor:
        while rows := _rows(cursor, "signals", after):
            after = rows[-1][0]
            packed = []
            for pk, value in rows:
                table = json.loads(value) if isinstance(value, (str, bytes)) else value
                if table:
                    packed.append((tickets.models.packed.pack_score_table(table), pk))
            if packed:
                cursor.executemany("UPDATE tickets_prediction SET packed_signals = %s WHERE id = %s", packed)


def unpack_signals(apps, schema_editor):
    connection = schema_editor.connection
    after = 0
    with connection.cursor() as cursor:
        while rows := _rows(cursor, "packed_signals", after):
            after = rows[-1][0]
            unpacked = [(json.dumps(tickets.models.packed.unpack_score_table(value)), pk) for pk, value in rows if value]
            if unpacked:
                cursor.executemany("UPDATE tickets_prediction SET signals = %s WHERE id = %s", unpacked)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0018_delivery_status_changed'),
    ]

    operations = [
        migrations.AddField(
            model_name='prediction',
            name='packed_signals',
            field=tickets.models.packed.ScoreTableField(verbose_name='signals'),
        ),
        migrations.RunPython(pack_signals, unpack_signals, elidable=True),
        migrations.RemoveField(model_name='prediction', name='signals'),
        migrations.RenameField(model_name='prediction', old_name='packed_signals', new_name='signals'),
        migrations.RemoveIndex(
            model_name='ticketevent',
            name='event_kind_created',
        ),
        migrations.AddIndex(
            model_name='ticketevent',
            index=models.Index(condition=models.Q(('kind__in', ['override', 'faq', 'auto_answer', 'feedback', 'escalated', 'rated', 'merged'])), fields=['kind', 'created_at'], name='event_kind_created'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True, verbose_name='created'),
        ),
        migrations.AlterField(
            model_name='attachment',
            name='sha256',
            field=models.CharField(max_length=64, verbose_name='SHA-256 checksum'),
        ),
        migrations.AddIndex(
            model_name='attachment',
            index=models.Index(fields=['sha256'], name='attachment_sha256'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='public_token',
            field=models.CharField(default=tickets.models.ticket.new_public_token, editable=False, max_length=64, verbose_name='status link token'),
        ),
        migrations.AddConstraint(
            model_name='ticket',
            constraint=models.UniqueConstraint(fields=('public_token_digest',), name='ticket_public_token_digest_unique'),
        ),
        migrations.AlterField(
            model_name='ticket',
            name='public_token_digest',
            field=models.CharField(editable=False, max_length=64, verbose_name='status link token digest'),
        ),
    ]
