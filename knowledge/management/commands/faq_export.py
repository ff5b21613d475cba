from django.core.management.base import BaseCommand

from knowledge.services import faq_export


class Command(BaseCommand):
    help = "Export the knowledge base as faq.yaml (to FILE, or standard output)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?")
        parser.add_argument("--include-inactive", action="store_true")
        parser.add_argument("--school")
        parser.add_argument("--site")
        parser.add_argument("--updated")

    def handle(self, *args, file, include_inactive, school, site, updated, **options):
        text = faq_export(file, include_inactive=include_inactive, school=school, site=site, updated=updated)
        if file:
            self.stdout.write(f"wrote {file}")
        else:
            self.stdout.write(text, ending="")
