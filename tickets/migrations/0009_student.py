"""A ticket's contact becomes a Student identity (issue 10): e-mail leaves the ticket for the student.

Existing tickets are grouped by their normalised (trimmed, lower-case) e-mail into one Student each,
named after the student's most recent ticket. Reversible: going back copies the address onto the tickets.
"""
import django.db.models.deletion
from django.db import migrations, models


def tickets_to_students(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    Student = apps.get_model("tickets", "Student")
    students: dict[str, object] = {}
    # Newest first: the first ticket seen for an address gives the student's (latest) name.
    for ticket in Ticket.objects.order_by("-created_at", "-id").only("pk", "email", "name").iterator(chunk_size=500):
        address = (ticket.email or "").strip().lower()
        student = students.get(address) if address else None
        if student is None:
            student = Student.objects.create(email=address, name=ticket.name)
            if address:
                students[address] = student
        Ticket.objects.filter(pk=ticket.pk).update(student=student)


def students_to_tickets(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    for ticket in Ticket.objects.select_related("student").only("pk", "student__email").iterator(chunk_size=500):
        Ticket.objects.filter(pk=ticket.pk).update(email=ticket.student.email)


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0008_label_examples"),
    ]

    operations = [
        migrations.CreateModel(
            name="Student",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(blank=True, help_text="The name the student gave most recently.", max_length=200, verbose_name="name")),
                ("email", models.EmailField(blank=True, help_text="Lower case; empty when the student came through a channel without e-mail.", max_length=254, verbose_name="e-mail")),
            ],
            options={
                "verbose_name": "student",
                "verbose_name_plural": "students",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.AddConstraint(
            model_name="student",
            constraint=models.UniqueConstraint(condition=models.Q(("email", ""), _negated=True), fields=("email",), name="student_email_unique"),
        ),
        migrations.AddField(
            model_name="ticket",
            name="student",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="tickets", to="tickets.student", verbose_name="student"),
        ),
        # The old e-mail column may be empty on the way back (a ticket whose student has no e-mail).
        migrations.AlterField(
            model_name="ticket",
            name="email",
            field=models.EmailField(blank=True, max_length=254, verbose_name="e-mail"),
        ),
        migrations.RunPython(tickets_to_students, students_to_tickets),
        migrations.AlterField(
            model_name="ticket",
            name="student",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="tickets", to="tickets.student", verbose_name="student"),
        ),
        migrations.RemoveIndex(
            model_name="ticket",
            name="ticket_email_lower",
        ),
        migrations.RemoveField(
            model_name="ticket",
            name="email",
        ),
    ]
