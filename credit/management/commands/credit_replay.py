"""Replay stored credit checks from their feature snapshots and report any decision that differs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credit import services
from credit.models import CreditCheck


class Command(BaseCommand):
    help = "Re-decide the most recent stored checks with the versions they used; exit 1 on any difference."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args, **options):
        checks = CreditCheck.objects.order_by("-id")[: options["limit"]]
        total = differ = 0
        for check in checks.iterator(chunk_size=500):
            total += 1
            replay = services.credit_check_replay(check=check)
            if not replay.same_as(check):
                differ += 1
                self.stdout.write(f"{check.public_id}: stored {check.decision}, replayed {replay.decision}")
        self.stdout.write(f"replayed {total} checks: {differ} differ")
        if differ:
            raise CommandError(f"{differ} replayed decisions differ")
