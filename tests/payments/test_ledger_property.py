"""The ledger, property-based: after any sequence of register / capture / change / cancel /
chargeback hold-release-loss / adjustment, every posting balances and each account equals what
an independent computation from the payments table (not from the ledger) says it must be.

The payments are a tenant's, taken by its platform with ``Tenant-Shop-Id``, so that the
platform fee is exercised too. Operations go through the public API in-process; chargebacks and
adjustments through the ledger's public interface.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_FLOOR, Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.models import Payment, Status
from payments.platforms import services as platform_services
from payments.settlements import ledger
from payments.settlements.models import Entry, Posting
from portal.models import Contract, Merchant, PlatformFee
from tests.payments.helpers import action, execute, register, token
from tests.support import ApiClient, make_merchant

pytestmark = pytest.mark.django_db

FEE_BPS, FIXED_FEE = 360, 50  # the tenant's Card contract
PLATFORM_RATE, PLATFORM_FIXED = Decimal("2.5"), 7  # the tenant's platform fee for "vm"

# One step of a payment's life; the amounts are drawn where they are used.
STEP = st.sampled_from(["capture", "change", "cancel", "chargeback", "adjust"])
PAYMENT = st.tuples(
    st.integers(min_value=1, max_value=500_000),  # amount
    st.sampled_from(["AUTH", "CAPTURE"]),
    st.lists(st.tuples(STEP, st.integers(min_value=1, max_value=100)), max_size=4),
)


@pytest.fixture
def shop():
    platform = make_merchant(name="Property mall")
    platform.merchant = platform_services.platform_enable(merchant=platform.merchant, actor=None)
    tenant = make_merchant(name="Property tenant")
    Merchant.objects.filter(pk=tenant.merchant.pk).update(
        shop_type=Merchant.ShopType.TENANT, platform=platform.merchant
    )
    Contract.objects.filter(merchant=tenant.merchant, pay_type="Card").update(
        fee_rate_bps=FEE_BPS, fixed_fee=FIXED_FEE
    )
    PlatformFee.objects.create(
        merchant=tenant.merchant, fee_class="vm", rate=PLATFORM_RATE, fixed_fee=PLATFORM_FIXED
    )
    secret, public = ApiClient(platform.test_secret), ApiClient(platform.test_public)
    for client, key in ((secret, platform.test_secret), (public, platform.test_public)):
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_TENANT_SHOP_ID=tenant.merchant.public_id)
    return tenant.merchant, platform.merchant, secret, public


def our_fee(sale: int) -> int:
    return 0 if sale == 0 else max(sale * FEE_BPS // 10_000, FIXED_FEE)


def platform_fee(sale: int) -> int:
    if sale == 0:
        return 0
    return max(
        int((Decimal(sale) * PLATFORM_RATE / 100).to_integral_value(rounding=ROUND_FLOOR)), PLATFORM_FIXED
    )


def balances(merchant_id: int) -> dict[str, int]:
    rows = Entry.objects.filter(merchant_id=merchant_id, mode="test").values("account")
    return {
        row["account"]: row["d"] - row["c"]
        for row in rows.annotate(d=Sum("debit"), c=Sum("credit"))
        if row["d"] != row["c"]
    }


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(payments=st.lists(PAYMENT, min_size=1, max_size=3))
def test_the_ledger_balances_and_reconciles_to_the_payments(shop, payments):
    tenant, platform, api, public = shop
    chargebacks: dict[str, int] = defaultdict(int)  # decided disputes, for fresh references
    held = lost = released = adjusted = 0
    for amount, job_code, steps in payments:
        payment = register(api, amount=str(amount), job_code=job_code)
        assert execute(api, payment, token(public)).status_code == 200
        open_chargeback: tuple[str, int] | None = None
        for step, percent in steps:
            row = Payment.objects.get(order_id=payment["id"])
            if step == "capture":
                action(api, payment, "capture")  # refused unless AUTHORIZED: that is part of the property
            elif step == "change":
                smaller = max(1, row.amount * percent // 100)
                action(api, payment, "change", job_code=job_code if row.status != Status.CAPTURED else "CAPTURE",
                       amount=str(smaller))  # fmt: skip
            elif step == "cancel":
                action(api, payment, "cancel")
            elif step == "chargeback" and row.status == Status.CAPTURED:
                if open_chargeback is None:
                    size = max(1, (row.amount + row.tax) * percent // 100)
                    reference = f"cb_{payment['id']}_{sum(chargebacks.values())}"
                    for _ in range(2):  # a repeated notification posts once
                        ledger.record_chargeback(merchant_id=tenant.pk, mode="test", currency="JPY", amount=size,
                                                 reference=reference, order_id=payment["id"], stage="hold",
                                                 at=timezone.now())  # fmt: skip
                    open_chargeback, held = (reference, size), held + size
                else:
                    reference, size = open_chargeback
                    stage = "loss" if percent % 2 else "release"
                    ledger.record_chargeback(merchant_id=tenant.pk, mode="test", currency="JPY", amount=size,
                                             reference=reference, order_id=payment["id"], stage=stage,
                                             at=timezone.now())  # fmt: skip
                    if stage == "loss":
                        lost += size
                    else:
                        released += size
                    open_chargeback = None  # a later dispute is a new one
                    chargebacks[stage] += 1
            elif step == "adjust":
                signed = percent * 10 if percent % 2 else -percent * 10
                ledger.record_adjustment(merchant_id=tenant.pk, mode="test", currency="JPY", amount=signed,
                                         reason="property test", actor="test")  # fmt: skip
                adjusted += signed

    # every posting balances
    for posting in Posting.objects.filter(merchant=tenant).prefetch_related("entries"):
        entries = list(posting.entries.all())
        assert sum(e.debit for e in entries) == sum(e.credit for e in entries), posting.pk

    # each payment's postings sum to what the payment is now (from the payments table)
    sales = fees = pfees = 0
    for row in Payment.objects.filter(merchant=tenant, mode="test"):
        sale = row.amount + row.tax if row.status == Status.CAPTURED else 0
        posted = Posting.objects.filter(payment_id=row.pk, kind="payment").aggregate(
            a=Sum("amount"), f=Sum("fee"), p=Sum("platform_fee")
        )
        assert (posted["a"] or 0, posted["f"] or 0, posted["p"] or 0) == (
            sale,
            our_fee(sale),
            platform_fee(sale),
        )
        sales, fees, pfees = sales + sale, fees + our_fee(sale), pfees + platform_fee(sale)

    # the accounts, independently computed (this test runs in one transaction: all examples add up,
    # so the totals below are kept across examples on the fixture's objects)
    totals = shop_totals(tenant.pk, held=held, lost=lost, released=released, adjusted=adjusted)
    expected = {
        "acquirer_receivable": sales - totals["lost"],
        "merchant_payable": -(
            sales - fees - pfees - totals["held"] + totals["released"] + totals["adjusted"]
        ),
        "fee_revenue": -fees,
        "chargeback_held": -(totals["held"] - totals["released"] - totals["lost"]),
        "adjustments": totals["adjusted"],
    }
    assert balances(tenant.pk) == {k: v for k, v in expected.items() if v}
    assert balances(platform.pk) == ({"platform_payable": -pfees} if pfees else {})


_TOTALS: dict[int, dict[str, int]] = {}


def shop_totals(merchant_id: int, **delta: int) -> dict[str, int]:
    """Running totals per tenant across hypothesis examples (they share the test's transaction)."""
    totals = _TOTALS.setdefault(merchant_id, defaultdict(int))
    for name, value in delta.items():
        totals[name] += value
    return totals
