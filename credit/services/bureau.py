"""The credit bureau's reports, refreshed off the checks' path."""

from __future__ import annotations

import logging

from django.utils import timezone

from credit.bureau import get_bureau
from credit.models import (
    BureauReport,
    Buyer,
)
from portal.models import User

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


def bureau_refresh(*, buyer_id: int) -> BureauReport:
    """Fetch and cache the bureau's report on a buyer (an upsert: safe to run twice)."""
    buyer = Buyer.objects.get(pk=buyer_id)
    bureau = get_bureau()
    payload = bureau.report(phone_digest=buyer.phone_digest)
    report, _ = BureauReport.objects.update_or_create(
        buyer=buyer, defaults={"source": bureau.name, "payload": payload, "fetched_at": timezone.now()}
    )
    return report


def bureau_refresh_many(*, buyer_ids: list[int]) -> int:
    """Refresh the reports that credit checks asked for (buyers deleted meanwhile are skipped)."""
    done = 0
    for buyer_id in buyer_ids:
        try:
            bureau_refresh(buyer_id=buyer_id)
        except Buyer.DoesNotExist:
            continue
        done += 1
    return done
