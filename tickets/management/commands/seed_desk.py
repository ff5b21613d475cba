from django.core.management.base import BaseCommand

from tickets.services import desk_seed


class Command(BaseCommand):
    help = "Create the default queues, and the intents and topics the classifier ships, if they are missing (safe to run again)."

    def handle(self, *args, **options):
        queues, intents, topics = desk_seed()
        self.stdout.write(self.style.SUCCESS(f"queues created: {queues}, intents created: {intents}, topics created: {topics}"))
