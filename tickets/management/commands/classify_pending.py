from django.core.management.base import BaseCommand

from tickets.services import PENDING_SWEEP_AGE_SECONDS, classify_pending_sweep


class Command(BaseCommand):
    help = "Re-queue (or, with --now, classify in this process) tickets still pending classification."

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, default=PENDING_SWEEP_AGE_SECONDS, help="seconds since the ticket was created")
        parser.add_argument("--now", action="store_true", help="classify here instead of queueing")

    def handle(self, *args, older_than, now, **options):
        count = classify_pending_sweep(older_than=older_than, now=now)
        self.stdout.write(f"{'classified' if now else 'queued'}: {count}")
