"""Import a cost file synchronously and print what was read, stored and rejected."""

from django.core.management.base import BaseCommand, CommandError

from budgets.importing import cost_import_create, cost_import_run
from budgets.models import CostImport
from portal.errors import PortalError


class Command(BaseCommand):
    help = "Import a FOCUS 1.0–1.3 or AWS CUR 2.0 file (CSV, CSV.gz, Parquet), replacing its billing periods."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--format", choices=["focus", "aws-cur", "auto"], default="auto")

    def handle(self, *args, **options):
        try:
            created = cost_import_create(path=options["path"], fmt=options["format"], queue=False)
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        result = cost_import_run(import_id=created.pk)
        self.stdout.write(
            f"rows read: {result.rows_read}\nrows stored: {result.rows_stored}\nrows rejected: {result.rows_rejected}"
        )
        for reject in result.rejects[:50]:
            self.stdout.write(f"  line {reject['line']}: {reject['reason']}")
        if result.rows_rejected > len(result.rejects[:50]):
            self.stdout.write(f"  … {result.rows_rejected - len(result.rejects[:50])} more rejected rows")
        if result.status != CostImport.Status.DONE:
            raise CommandError(f"import failed: {result.error}")
        periods = ", ".join(f"{p['billing_account_id']} {p['period_start'][:7]}" for p in result.periods)
        self.stdout.write(f"billing periods replaced: {periods}")
