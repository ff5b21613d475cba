"""Issue 13 (database at 100k tickets ≤ 0.4 GB): the search documents' two GIN indexes (0016) without a pending list.

With ``fastupdate`` (PostgreSQL's default) a GIN index queues new entries in a pending list of up to
``gin_pending_list_limit`` (4 MB) and merges them later; the merged list's pages are only recycled by a VACUUM, so
a desk that writes search documents steadily (or ``generate_tickets``) leaves them behind, and every search reads
the whole pending list linearly until then. At 100k generated tickets (``VACUUM ANALYZE`` after) the vector's index
took 15.4 MB and the trigram index 13.3 MB; inserted the same way without the pending list 11.4 and 8.9 MB
(``CREATE INDEX`` from scratch: 11.4 and 8.0). The price: each document write updates the indexes at once,
~1-2 ms on this 2-core box under load (the desk writes one document per service call).

PostgreSQL only (SQLite has neither index). An existing index keeps the space it has: ``REINDEX INDEX CONCURRENTLY``
returns it (README). Unapplied: the default (``fastupdate`` on) again.
"""
from django.db import migrations

GIN_INDEXES = ("ticket_search_vector", "ticket_search_people_trgm")


def pending_list_off(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in GIN_INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
            # Turning it off does not merge what is already queued (PostgreSQL's documentation of GIN).
            schema_editor.execute(
                f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = '{index}' AND c.relkind = 'i'"
            )


def pending_list_on(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in GIN_INDEXES:
            schema_editor.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0021_compact_digests_scores_indexes'),
    ]

    operations = [
        migrations.RunPython(pending_list_off, pending_list_on),
    ]
