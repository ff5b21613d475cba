import json

from django.core.management.base import BaseCommand, CommandError

from tickets.services import classifier_fit


class Command(BaseCommand):
    help = ("Fit the classifier's fusion (CLIP weight, 'not ours' bias, temperature, abstain threshold) on the tickets "
            "operators confirmed; apply it only if it beats the settings in use on held-out tickets beyond noise "
            "(repeated cross-validation). Needs at least 5 tickets operators corrected to an out-of-scope label such "
            "as 'other' (the ticket page's 'Not a support request — close').")

    def add_arguments(self, parser):
        parser.add_argument("--min-labels", type=int, default=None, help="refuse to fit on fewer confirmed labels (default 30)")
        parser.add_argument("--dry-run", action="store_true", help="fit and report, record nothing")

    def handle(self, *args, min_labels, dry_run, **options):
        result, row = classifier_fit(min_labels=min_labels, dry_run=dry_run)
        if result.status == "too_few":
            unlabelled = result.report.get("unlabelled_finished", 0)
            seen = f" ({unlabelled} resolved or closed tickets carry no label: the fit cannot see them)" if unlabelled else ""
            raise CommandError(f"Not fitted: {result.report.get('reason')}{seen}.")
        self.stdout.write(json.dumps({"status": result.status, "version": row.version if row else None,
                                      "applied": bool(row and row.applied), "settings": result.settings,
                                      "report": result.report}, ensure_ascii=False, indent=2))
