"""Import monthly exchange rates (CSV: month,from,to,rate) used to convert costs to a budget's currency."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budgets.currency import rates_import
from portal.errors import PortalError


class Command(BaseCommand):
    help = "Import monthly exchange rates: CSV with the columns month (YYYY-MM), from, to, rate."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, **options):
        path = Path(options["path"])
        try:
            count = rates_import(text=path.read_text(encoding="utf-8-sig"), source=path.name)
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc}") from exc
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"rates imported: {count}")
