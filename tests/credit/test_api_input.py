"""The plain-body reader of POST /v1/credit/checks agrees with CheckRequestSerializer."""

from __future__ import annotations

import random

import pytest

from credit.api.views import CheckRequestSerializer, plain_check_input
from tests.credit.conftest import application

SHIPPING = {"name": "山田 花子", "postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}


def _serializer_input(body):
    serializer = CheckRequestSerializer(data=body)
    return serializer.to_input() if serializer.is_valid() else None


def _bodies():
    rng = random.Random(5)
    yield application()
    yield application(shipping=SHIPPING, currency="JPY", order_id="  o_2  ")
    yield application(shipping=None, items=[], device={})
    yield application(items=None, device=None)
    yield application(device={"fingerprint": "", "ip": ""}, buyer__name_kana="")
    yield application(buyer__phone=" 03-1234-5678 ", buyer__postal_code="1000001")
    yield application(shipping={"postal_code": "530-0001", "address": "梅田"})
    for _ in range(30):
        body = application(amount=rng.randint(1, 10_000_000))
        body["items"] = [
            {"name": f"i{n}", "price": rng.randint(0, 9999), "quantity": 1 + n} for n in range(3)
        ]
        yield body


def _refused():
    yield application(amount="12000")  # DRF coerces: the serializer decides
    yield application(amount=0)
    yield application(amount=True)
    yield application(currency="USD")
    yield application(buyer__email="not-an-email")
    yield application(buyer__phone="12")
    yield application(buyer__birth_date="2990-01-01")
    yield application(buyer__birth_date="19900401")
    yield application(buyer__name="")
    yield application(buyer__name="x" * 101)
    yield application(buyer__shoe_size=42)
    yield application(colour="red")
    yield application(device={"ip": "::1"})
    yield application(device={"ip": "999.1.1.1"})
    yield application(items=[{"name": "a", "price": -1, "quantity": 1}])
    yield application(shipping={"postal_code": "12", "address": "x"})
    yield [1, 2]


@pytest.mark.parametrize("body", list(_bodies()))
def test_plain_bodies_read_like_the_serializer(body):
    expected = _serializer_input(body)
    assert expected is not None
    assert plain_check_input(body) == expected


@pytest.mark.parametrize("body", list(_refused()))
def test_anything_else_goes_to_the_serializer(body):
    assert plain_check_input(body) is None


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["test", "live"])
def test_check_body_is_what_the_serializer_gives(mode, merchant, live_rules, live_model):
    from credit import services
    from credit.api.views import CheckSerializer, check_body

    body = application(shipping=SHIPPING)
    check = services.credit_check_run(
        merchant=merchant.merchant, mode=mode, application=plain_check_input(body)
    ).check
    assert check_body(check) == CheckSerializer(check).data
    from credit.models import CreditCheck

    stored = CreditCheck.objects.get(pk=check.pk)
    assert check_body(stored) == CheckSerializer(stored).data == check_body(check)
    no_model = services.credit_check_run(
        merchant=merchant.merchant, mode=mode, application=plain_check_input(application())
    ).check
    no_model.score_model_id = no_model.ml_score = None
    assert check_body(no_model) == CheckSerializer(no_model).data
