"""Import cost files synchronously (one run) and print what was read, stored and rejected."""

from django.core.management.base import BaseCommand, CommandError

from budgets.importing import cost_import_create, cost_import_run
from budgets.models import CostImport
from portal.errors import PortalError

SHOWN_REJECTS = 50


class Command(BaseCommand):
    help = (
        "Import FOCUS 1.0–1.3 or AWS CUR 2.0 files (CSV, CSV.gz, Parquet): several files, a directory or a "
        "CUR 2.0 manifest. All files of the run together replace every billing period they cover, in one "
        "transaction; any rejected row fails the run (nothing changed) unless --max-rejected allows it."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="file, directory or *Manifest.json")
        parser.add_argument("--format", choices=["focus", "aws-cur", "auto"], default="auto")
        parser.add_argument(
            "--max-rejected",
            type=int,
            default=0,
            metavar="N",
            help="accept the run with up to N rejected rows (they are dropped); default 0",
        )

    def handle(self, *args, **options):
        if options["max_rejected"] < 0:
            raise CommandError("--max-rejected must be 0 or more")
        try:
            created = cost_import_create(
                paths=options["paths"],
                fmt=options["format"],
                max_rejected=options["max_rejected"],
                queue=False,
            )
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        if len(created.paths) > 1:
            self.stdout.write(f"files: {len(created.paths)}")
            for path in created.paths:
                self.stdout.write(f"  {path}")
        result = cost_import_run(import_id=created.pk)
        self.stdout.write(
            f"rows read: {result.rows_read}\nrows stored: {result.rows_stored}\nrows rejected: {result.rows_rejected}"
        )
        shown = result.rejects[:SHOWN_REJECTS]
        for reject in shown:
            self.stdout.write(f"  line {reject['line']}: {reject['reason']}")
        if result.rows_rejected > len(shown):
            self.stdout.write(f"  … {result.rows_rejected - len(shown)} more rejected rows")
        if result.status != CostImport.Status.DONE:
            raise CommandError(f"import failed, nothing was changed: {result.error}")
        periods = ", ".join(f"{p['billing_account_id']} {p['period_start'][:7]}" for p in result.periods)
        self.stdout.write(f"billing periods replaced: {periods}")
        if result.rows_rejected:
            self.stdout.write(
                self.style.WARNING(f"{result.rows_rejected} rejected rows were dropped (--max-rejected)")
            )
