from django.core.management.base import BaseCommand, CommandError

from knowledge.selectors import faq_health_current
from knowledge.services import faq_import


class Command(BaseCommand):
    help = "Import a faq.yaml (entries: id, topic, question, alt_questions, answer); upsert by id."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--deactivate-missing", action="store_true",
                            help="deactivate active entries whose id is not in the file")

    def handle(self, *args, file, deactivate_missing, **options):
        try:
            counts = faq_import(open(file, encoding="utf-8").read(), deactivate_missing=deactivate_missing)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
        health = faq_health_current()  # the held-out check of the calibration the import refitted (or kept)
        for line in health.report_lines() if health is not None else []:
            self.stdout.write(f"  {line}")
