"""Issue 12, second half: the operators' search documents (backfilled), merged tickets, canned answers.

On PostgreSQL also: the pg_trgm extension, a GIN index on the search vector and a trigram GIN index on the
folded names and e-mail (tickets.search). They are not in the models' Meta: Django would create GIN indexes on
SQLite too, where they do not exist.
"""
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Tickets read per batch of the backfill: their messages and OCR texts come in two queries per batch.
BACKFILL_BATCH = 1000
SEARCHED_AUTHORS = ("student", "operator", "note")

POSTGRES_INDEXES = [
    # Not Django's TrigramExtension operation: unapplying it on SQLite queries pg_extension (Django 5.2). The
    # extension is left in place when unapplied: other things may use it.
    ('CREATE EXTENSION IF NOT EXISTS pg_trgm', 'SELECT 1'),
    (
        'CREATE INDEX IF NOT EXISTS ticket_search_vector ON tickets_ticketsearchdocument USING gin (vector)',
        'DROP INDEX IF EXISTS ticket_search_vector',
    ),
    (
        'CREATE INDEX IF NOT EXISTS ticket_search_people_trgm ON tickets_ticketsearchdocument USING gin (people gin_trgm_ops)',
        'DROP INDEX IF EXISTS ticket_search_people_trgm',
    ),
]


def _on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)
    return run


def backfill_search_documents(apps, schema_editor):
    """A document for every existing ticket, as services.search_index.ticket_search_refresh builds it."""
    from tickets.services.search_index import document_save, document_texts

    Ticket = apps.get_model("tickets", "Ticket")
    Message = apps.get_model("tickets", "Message")
    Prediction = apps.get_model("tickets", "Prediction")
    Document = apps.get_model("tickets", "TicketSearchDocument")
    using = schema_editor.connection.alias
    ids = list(Ticket.objects.using(using).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BACKFILL_BATCH):
        batch = ids[start:start + BACKFILL_BATCH]
        conversations, ocr = {}, {}
        for ticket_id, body in (Message.objects.using(using).filter(ticket_id__in=batch, author_kind__in=SEARCHED_AUTHORS)
                                .order_by("created_at", "id").values_list("ticket_id", "body")):
            conversations.setdefault(ticket_id, []).append(body)
        for ticket_id, text in (Prediction.objects.using(using).filter(ticket_id__in=batch, error="").exclude(ocr_text="")
                                .order_by("created_at", "id").values_list("ticket_id", "ocr_text")):
            ocr.setdefault(ticket_id, []).append(text)
        for ticket in Ticket.objects.using(using).filter(pk__in=batch).select_related("student"):
            texts = document_texts(
                ticket_name=ticket.name, student_name=ticket.student.name, email=ticket.student.email,
                conversation=[ticket.description, *conversations.get(ticket.pk, [])], ocr=ocr.get(ticket.pk, []),
            )
            document_save(Document, ticket.pk, *texts, using=using)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0015_intake'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='TicketSearchDocument',
            fields=[
                ('ticket', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='search_document', serialize=False, to='tickets.ticket', verbose_name='ticket')),
                ('people', models.TextField(blank=True, verbose_name='names and contact')),
                ('stems', models.TextField(blank=True, verbose_name='word stems')),
                ('vector', django.contrib.postgres.search.SearchVectorField(editable=False, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
            ],
            options={
                'verbose_name': 'search document',
                'verbose_name_plural': 'search documents',
            },
        ),
        migrations.AddField(
            model_name='ticket',
            name='merged_into',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='merged_tickets', to='tickets.ticket', verbose_name='merged into'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('predicted', 'Predicted'), ('routed', 'Routed'), ('override', 'Label corrected'), ('status', 'Status changed'), ('assign', 'Assigned'), ('reply', 'Replied'), ('faq', 'FAQ decision'), ('auto_answer', 'Answered automatically'), ('feedback', 'Student feedback'), ('escalated', 'Handed to an operator'), ('rated', "Student's rating"), ('merged', 'Merged')], max_length=16, verbose_name='event'),
        ),
        migrations.CreateModel(
            name='Macro',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('title', models.CharField(max_length=120, verbose_name='title')),
                ('body', models.TextField(max_length=5000, verbose_name='text')),
                ('is_shared', models.BooleanField(default=False, verbose_name='shared with all operators')),
                ('owner', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='macros', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
            ],
            options={
                'verbose_name': 'canned answer',
                'verbose_name_plural': 'canned answers',
                'ordering': ['title', 'id'],
                'indexes': [models.Index(fields=['owner', 'title'], name='macro_owner_title'), models.Index(fields=['is_shared', 'title'], name='macro_shared_title')],
            },
        ),
        migrations.RunPython(
            _on_postgresql([create for create, _drop in POSTGRES_INDEXES]),
            _on_postgresql([drop for _create, drop in POSTGRES_INDEXES]),
        ),
        migrations.RunPython(backfill_search_documents, migrations.RunPython.noop),
    ]
