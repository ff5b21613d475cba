"""Issue 13 (database at 100k tickets ≤ 0.4 GB): the search documents smaller, the same tickets found.

1. The vectors without the e-mail addresses (tickets.search.vector_names): an address was a lexeme of its own, one
   GIN entry per student (vector index 11.8 → 4.8 MB at 100k generated tickets, the vectors 3.4 MB less); the
   trigram index of the names and e-mail finds a part of one, Student.email a whole one. Existing documents lose
   the lexemes that are an address of their own ``people`` and weighted A only (an address also written in the
   conversation stays); unapplied, the addresses are appended again, weighted A. The lexemes and weights are then
   the ones the code of either side writes (their positions may differ by one, which ``ts_rank`` does not weigh).
2. The two GIN indexes (0016) without a pending list.

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
DOCUMENTS = "tickets_ticketsearchdocument"

ADDRESSES_OUT = f"""
UPDATE {DOCUMENTS} d SET vector = ts_delete(d.vector, x.addresses)
FROM (
    SELECT s.ticket_id, array_agg(u.lexeme) AS addresses
    FROM {DOCUMENTS} s, unnest(s.vector) u
    WHERE strpos(u.lexeme, '@') > 0 AND 'A' = ALL(u.weights) AND strpos(s.people, u.lexeme) > 0
    GROUP BY s.ticket_id
) x
WHERE d.ticket_id = x.ticket_id
"""
ADDRESSES_IN = f"""
UPDATE {DOCUMENTS} d SET vector = d.vector || setweight(to_tsvector('russian', x.addresses), 'A')
FROM (
    SELECT s.ticket_id, string_agg(w.word, ' ') AS addresses
    FROM {DOCUMENTS} s, regexp_split_to_table(s.people, '\\s+') w(word)
    WHERE strpos(w.word, '@') > 0 AND s.vector IS NOT NULL
      AND NOT tsvector_to_array(to_tsvector('russian', w.word)) <@ tsvector_to_array(s.vector)
    GROUP BY s.ticket_id
) x
WHERE d.ticket_id = x.ticket_id
"""


def addresses_out(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADDRESSES_OUT)


def addresses_in(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADDRESSES_IN)


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
        migrations.RunPython(addresses_out, addresses_in),
        migrations.RunPython(pending_list_off, pending_list_on),
    ]
