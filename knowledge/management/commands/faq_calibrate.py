from django.core.management.base import BaseCommand

from knowledge.selectors import faq_health_current
from knowledge.services import faq_calibration_refit


class Command(BaseCommand):
    help = ("Refit the auto-answer calibration on the school's own FAQ (its questions held out); "
            "faq_import does it on import. Run after editing entries in the admin.")

    def handle(self, *args, **options):
        row = faq_calibration_refit()
        if row is None:
            self.stdout.write("the FAQ is empty: nothing to calibrate")
            return
        f = row.fitted
        self.stdout.write(f"{row.version}: {row.entries} entries, needs-human quantile score {f.get('nh_quantile_score')}, "
                          f"held-out top-1 {f.get('loo_top1')}, fitted={f.get('fitted')}")
        health = faq_health_current()
        for line in health.report_lines() if health is not None else []:
            self.stdout.write(f"  {line}")
