from datetime import timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone

from tickets.models import Ticket
from tickets.services import ticket_classify, ticket_enqueue_classification


class Command(BaseCommand):
    help = "Re-queue (or, with --now, classify in this process) tickets still pending classification."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=300, help="seconds since the ticket was created")
        parser.add_argument("--now", action="store_true", help="classify here instead of queueing")

    def handle(self, *args, older_than, now, **options):
        cutoff = timezone.now() - timedelta(seconds=older_than)
        ids = list(
            Ticket.objects.filter(classification_state=Ticket.ClassificationState.PENDING, created_at__lte=cutoff)
            .order_by("created_at").values_list("pk", flat=True)
        )
        for ticket_id in ids:
            if now:
                ticket_classify(ticket_id=ticket_id)
            else:
                ticket_enqueue_classification(Ticket(pk=ticket_id))
        self.stdout.write(f"{'classified' if now else 'queued'}: {len(ids)}")
