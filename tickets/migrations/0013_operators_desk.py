"""The operators' desk (issue 12): assignment (availability, automatic assignment), internal notes, SLA targets
and the ticket clocks, notifications to operators and their outbox, satisfaction ratings; two django-q2 schedules:
"operators-sweep" (SLA warnings, automatic assignment of the backlog) and "operator-notifications" (retries)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Min, OuterRef, Subquery

import tickets.models.desk

from ._schedules import schedule_every

OPEN_FOR_DESK = ["new", "open"]
DONE = ["resolved", "closed"]


def backfill_clocks(apps, schema_editor):
    """Existing tickets get the clocks their history implies (tickets.models.Ticket: waiting_since,
    first_response_at, resolved_at): the last status change into their current state, else their creation."""
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    Message = apps.get_model("tickets", "Message")

    def last_change_into(statuses):
        return Subquery(
            TicketEvent.objects.filter(ticket=OuterRef("pk"), kind="status", new_value__in=statuses)
            .order_by("-created_at", "-id").values("created_at")[:1]
        )

    first_reply = Subquery(
        Message.objects.filter(ticket=OuterRef("pk"), author_kind="operator").order_by().values("ticket")
        .annotate(first=Min("created_at")).values("first")[:1]
    )
    Ticket.objects.update(first_response_at=first_reply)
    Ticket.objects.exclude(status__in=OPEN_FOR_DESK).update(waiting_since=None)
    for ticket in Ticket.objects.filter(status__in=OPEN_FOR_DESK).annotate(changed=last_change_into(OPEN_FOR_DESK)):
        Ticket.objects.filter(pk=ticket.pk).update(waiting_since=ticket.changed or ticket.created_at)
    for ticket in Ticket.objects.filter(status__in=DONE).annotate(changed=last_change_into(DONE)):
        Ticket.objects.filter(pk=ticket.pk).update(resolved_at=ticket.changed or ticket.updated_at)


class Migration(migrations.Migration):

    dependencies = [
        ('tickets', '0012_verbose_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.CreateModel(
            name='OperatorDelivery',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created')),
                ('updated_at', models.DateTimeField(auto_now=True, verbose_name='updated')),
                ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=16, verbose_name='status')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('next_attempt_at', models.DateTimeField(verbose_name='next attempt at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('sink', models.CharField(max_length=32, verbose_name='sink')),
                ('address', models.CharField(max_length=254, verbose_name='address')),
                ('event_key', models.CharField(max_length=120, verbose_name='event')),
            ],
            options={
                'verbose_name': 'notification sent to an operator',
                'verbose_name_plural': 'notifications sent to operators',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='OperatorNotification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('new_ticket', 'A new ticket in my queues'), ('student_reply', 'The student replied on my ticket'), ('mention', 'A colleague mentioned me in a note'), ('sla_warning', 'A ticket is about to miss its target'), ('assigned', 'A ticket was assigned to me')], max_length=20, verbose_name='kind')),
                ('data', models.JSONField(blank=True, default=dict, verbose_name='details')),
                ('event_key', models.CharField(max_length=120, verbose_name='event')),
                ('created_at', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
            ],
            options={
                'verbose_name': 'notification to an operator',
                'verbose_name_plural': 'notifications to operators',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='TicketRating',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='asked at')),
                ('score', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='score')),
                ('comment', models.TextField(blank=True, verbose_name='comment')),
                ('rated_at', models.DateTimeField(blank=True, db_index=True, null=True, verbose_name='rated at')),
            ],
            options={
                'verbose_name': 'satisfaction rating',
                'verbose_name_plural': 'satisfaction ratings',
                'ordering': ['-requested_at', '-id'],
            },
        ),
        migrations.AddField(
            model_name='operatorprofile',
            name='available',
            field=models.BooleanField(default=False, help_text='On duty: gets automatic assignments and notifications of new tickets. Logging out switches it off.', verbose_name='available'),
        ),
        migrations.AddField(
            model_name='operatorprofile',
            name='email_kinds',
            field=models.JSONField(blank=True, default=tickets.models.desk.default_email_kinds, help_text='Kinds of notifications also sent by e-mail (the desk always shows them).', verbose_name='e-mail notifications'),
        ),
        migrations.AddField(
            model_name='operatorprofile',
            name='last_assigned_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last automatic assignment'),
        ),
        migrations.AddField(
            model_name='queue',
            name='auto_assign',
            field=models.BooleanField(default=False, help_text='New tickets go to the available operator of this queue with the fewest open tickets (round-robin).', verbose_name='assign automatically'),
        ),
        migrations.AddField(
            model_name='queue',
            name='first_response_target',
            field=models.DurationField(blank=True, help_text='How soon a person must first answer a ticket in this queue, e.g. 30m, 4h, 1d. Empty: no target.', null=True, verbose_name='first response target'),
        ),
        migrations.AddField(
            model_name='queue',
            name='resolution_target',
            field=models.DurationField(blank=True, help_text='How soon a ticket in this queue must be resolved, e.g. 8h, 2d. Empty: no target.', null=True, verbose_name='resolution target'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='first_response_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='first answered by a person'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='resolved_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='resolved at'),
        ),
        migrations.AddField(
            model_name='ticket',
            name='waiting_since',
            field=models.DateTimeField(blank=True, default=django.utils.timezone.now, null=True, verbose_name='waiting for the desk since'),
        ),
        migrations.AlterField(
            model_name='delivery',
            name='kind',
            field=models.CharField(choices=[('received', 'Request received'), ('reply', "Operator's answer"), ('auto_answer', 'Automatic answer'), ('offtopic', 'Closed as off-topic'), ('rating_request', 'Request for a rating')], max_length=16, verbose_name='kind'),
        ),
        migrations.AlterField(
            model_name='message',
            name='author_kind',
            field=models.CharField(choices=[('student', 'Student'), ('operator', 'Operator'), ('system', 'System'), ('bot', 'Automatic answer'), ('note', 'Internal note')], max_length=16, verbose_name='from'),
        ),
        migrations.AlterField(
            model_name='ticketevent',
            name='kind',
            field=models.CharField(choices=[('created', 'Created'), ('predicted', 'Predicted'), ('routed', 'Routed'), ('override', 'Label corrected'), ('status', 'Status changed'), ('assign', 'Assigned'), ('reply', 'Replied'), ('faq', 'FAQ decision'), ('auto_answer', 'Answered automatically'), ('feedback', 'Student feedback'), ('escalated', 'Handed to an operator'), ('rated', "Student's rating")], max_length=16, verbose_name='event'),
        ),
        migrations.AddIndex(
            model_name='ticket',
            index=models.Index(fields=['assignee', 'status'], name='ticket_assignee_status'),
        ),
        migrations.AddField(
            model_name='operatornotification',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.AddField(
            model_name='operatornotification',
            name='message',
            field=models.ForeignKey(blank=True, help_text="The student's reply or the note the notification is about.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='tickets.message', verbose_name='message'),
        ),
        migrations.AddField(
            model_name='operatornotification',
            name='recipient',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='desk_notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient'),
        ),
        migrations.AddField(
            model_name='operatornotification',
            name='ticket',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='operator_notifications', to='tickets.ticket', verbose_name='ticket'),
        ),
        migrations.AddField(
            model_name='operatordelivery',
            name='notification',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='tickets.operatornotification', verbose_name='notification'),
        ),
        migrations.AddField(
            model_name='ticketrating',
            name='operator',
            field=models.ForeignKey(blank=True, help_text='Who handled the ticket: its assignee when it was resolved.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='ratings_received', to=settings.AUTH_USER_MODEL, verbose_name='operator'),
        ),
        migrations.AddField(
            model_name='ticketrating',
            name='requested_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='resolved by'),
        ),
        migrations.AddField(
            model_name='ticketrating',
            name='ticket',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='rating', to='tickets.ticket', verbose_name='ticket'),
        ),
        migrations.AddIndex(
            model_name='operatornotification',
            index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['recipient', 'created_at'], name='notification_unread'),
        ),
        migrations.AddConstraint(
            model_name='operatornotification',
            constraint=models.UniqueConstraint(fields=('recipient', 'event_key'), name='notification_once_per_event'),
        ),
        migrations.AddIndex(
            model_name='operatordelivery',
            index=models.Index(condition=models.Q(('status__in', ['pending', 'sending'])), fields=['next_attempt_at'], name='operator_delivery_due'),
        ),
        migrations.AddConstraint(
            model_name='operatordelivery',
            constraint=models.UniqueConstraint(fields=('sink', 'address', 'event_key'), name='operator_delivery_once'),
        ),
        migrations.AddConstraint(
            model_name='ticketrating',
            constraint=models.CheckConstraint(condition=models.Q(('score__isnull', True), models.Q(('score__gte', 1), ('score__lte', 5)), _connector='OR'), name='rating_score_1_to_5'),
        ),
        migrations.RunPython(backfill_clocks, migrations.RunPython.noop),
        schedule_every("operators-sweep", "tickets.tasks.operators_sweep_task", 5),
        schedule_every("operator-notifications", "tickets.tasks.operator_deliveries_sweep_task", 1),
    ]
