"""The precompiled reads and single-statement writes of the hot path equal what the ORM does."""

import pytest

from payments import errors, selectors
from payments.models import Payment, PaymentEvent
from portal.errors import PortalError
from portal.models import Mode
from tests.payments.helpers import execute, register, token

pytestmark = pytest.mark.django_db


def _fields(payment: Payment) -> dict:
    return {f.attname: getattr(payment, f.attname) for f in Payment._meta.concrete_fields}


def test_payment_lookup_builds_what_the_orm_builds(api, public_api, merchant):
    payment = register(api, amount="1500", tax="100", client_field_1="日本語", tds_type="2")
    execute(api, payment, token(public_api))
    orm = Payment.objects.get(order_id=payment["id"])
    fast = selectors.payment_get(merchant=merchant.merchant, mode=Mode.TEST, order_id=payment["id"])
    assert _fields(fast) == _fields(orm)
    assert fast.merchant is merchant.merchant  # no second query for it
    by_access = selectors.payment_by_access_id(
        merchant=merchant.merchant, mode=Mode.TEST, access_id=payment["access_id"]
    )
    assert _fields(by_access) == _fields(orm)


def test_lookups_stay_inside_the_merchant_and_mode(api, merchant, other_merchant):
    payment = register(api)
    for who, mode in ((other_merchant.merchant, Mode.TEST), (merchant.merchant, Mode.LIVE)):
        with pytest.raises(PortalError) as missing:
            selectors.payment_get(merchant=who, mode=mode, order_id=payment["id"])
        assert missing.value.spec is errors.PAYMENT_NOT_FOUND
        with pytest.raises(PortalError) as missing:
            selectors.payment_by_access_id(merchant=who, mode=mode, access_id=payment["access_id"])
        assert missing.value.spec is errors.PAYMENT_NOT_FOUND


def test_transition_statement_writes_history_and_numbers_events(api, public_api):
    payment = register(api, job_code="CAPTURE")
    assert execute(api, payment, token(public_api)).json()["status"] == "CAPTURED"
    row = Payment.objects.get(order_id=payment["id"])
    history = list(PaymentEvent.objects.filter(payment=row).order_by("id").values_list("action", "to_status"))
    assert history == [("register", "UNPROCESSED"), ("execute", "CAPTURED")]
    assert row.event_seq == 2 and row.pending_operation is None and row.card_secret_id is None
