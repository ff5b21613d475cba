from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tickets.services import account_create


class Command(BaseCommand):
    help = "Create (or update) an operator or admin account. Operators may be limited to some queues."

    def add_arguments(self, parser):
        parser.add_argument("--role", choices=["operator", "admin"], required=True)
        parser.add_argument("--username", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--email", default="")
        parser.add_argument("--queues", default="", help="comma-separated queue slugs (operators; empty = all queues)")

    def handle(self, *args, role, username, password, email, queues, **options):
        slugs = [slug.strip() for slug in queues.split(",") if slug.strip()]
        try:
            user = account_create(username=username, password=password, role=role, queue_slugs=slugs, email=email)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        scope = ", ".join(slugs) if slugs and role == "operator" else "all queues"
        self.stdout.write(self.style.SUCCESS(f"{role} {user.username!r} ready ({scope})"))
