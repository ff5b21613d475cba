import time

from django.core.management.base import BaseCommand, CommandError

from tickets.loadgen import generate


class Command(BaseCommand):
    help = (
        "Make N realistic tickets for load tests (students, messages, screenshots' rows, predictions, replies, "
        "deliveries, audit events, search documents; statuses and ages of a desk after DAYS days). PostgreSQL: COPY. "
        "For a database of its own: never run it on a desk in use."
    )

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="how many tickets")
        parser.add_argument("--days", type=int, default=730, help="spread over the last DAYS days (730)")
        parser.add_argument("--chunk", type=int, default=20_000, help="tickets per transaction (20000)")
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args, count, days, chunk, seed, **options):
        if count < 1 or days < 1 or chunk < 1:
            raise CommandError("N, --days and --chunk must be positive.")
        started = time.perf_counter()

        def progress(done, totals):
            if options["verbosity"] > 1 or done == count:
                self.stdout.write(f"{done} tickets, {sum(totals.values())} rows, {time.perf_counter() - started:.1f} s")

        totals = generate(count, days=days, chunk_size=chunk, seed=seed, progress=progress)
        for table, rows in totals.items():
            self.stdout.write(f"  {table}: {rows}")
        self.stdout.write(self.style.SUCCESS(f"{count} tickets in {time.perf_counter() - started:.1f} s"))
