"""Make credit checks work on a fresh deployment: a live score model and (outside production) a live rule set."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from credit import services
from credit.models import RuleSet, Slot
from portal.models import Mode

EXAMPLE = Path(__file__).resolve().parents[2] / "data" / "example_rules.json"


class Command(BaseCommand):
    help = "Train a model if none is live, load the example rules if none are live (not in production), sync lists."

    def add_arguments(self, parser):
        parser.add_argument("--samples", type=int, default=20_000)

    def handle(self, *args, **options):
        call_command("credit_train", "--if-missing", "--samples", str(options["samples"]), stdout=self.stdout)
        if not RuleSet.objects.filter(slot=Slot.LIVE).exists() and not settings.PRODUCTION:
            call_command("credit_rules", "import", str(EXAMPLE), "--activate", stdout=self.stdout)
        for mode in Mode.values:
            services.lists_sync(mode=mode)
        services.deployment_publish()
