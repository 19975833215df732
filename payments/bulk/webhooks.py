"""fincode's bulk payment webhooks: ``payments.bulk.<pay type>.regist`` when a file has been
checked, ``payments.bulk.<pay type>.batch`` when its payments have been made."""

from __future__ import annotations

from django.conf import settings

from payments.bulk.models import PaymentBulk
from payments.webhooks.outbox import event_record


def _prefix(bulk: PaymentBulk) -> str:
    return f"payments.bulk.{bulk.pay_type.lower()}"


def _common(bulk: PaymentBulk) -> dict:
    return {
        "shop_id": bulk.merchant.public_id,
        "bulk_payment_id": bulk.bulk_id,
        "file_name": bulk.file_name,
        "status": bulk.status,
        "pay_type": bulk.pay_type,
    }


def regist_event(*, bulk: PaymentBulk, error_count: int) -> None:
    """Record ``payments.bulk.<pay type>.regist`` (the file checked) in the caller's transaction."""
    base = settings.PORTAL_BASE_URL.rstrip("/")
    event_record(
        merchant_id=bulk.merchant_id,
        mode=bulk.mode,
        name=f"{_prefix(bulk)}.regist",
        sequence=1,
        payload={
            **_common(bulk),
            "regist_total_count": str(bulk.total_count),
            "error_total_count": str(error_count),
            "bulk_search_url": f"{base}/v1/payments/bulk/{bulk.bulk_id}?pay_type={bulk.pay_type}",
            "error_code": bulk.error_code or None,
        },
    )


def batch_event(*, bulk: PaymentBulk) -> None:
    """Record ``payments.bulk.<pay type>.batch`` (every payment made) in the caller's transaction."""
    event_record(
        merchant_id=bulk.merchant_id,
        mode=bulk.mode,
        name=f"{_prefix(bulk)}.batch",
        sequence=2,
        payload={
            **_common(bulk),
            "succeeded_count": str(bulk.success_count),
            "failed_count": str(bulk.failure_count),
            "total_count": str(bulk.success_count + bulk.failure_count),
        },
    )
