"""The answer of POST /v1/credit/checks (check_body) is what its documented serializer gives."""

from __future__ import annotations

import pytest

from credit.api.views import CheckRequestSerializer
from tests.credit.conftest import application

SHIPPING = {"name": "山田 花子", "postal_code": "530-0001", "address": "大阪府大阪市北区梅田1-1"}


def _serializer_input(body):
    serializer = CheckRequestSerializer(data=body)
    return serializer.to_input() if serializer.is_valid() else None


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["test", "live"])
def test_check_body_is_what_the_serializer_gives(mode, merchant, live_rules, live_model):
    from credit import services
    from credit.api.views import CheckSerializer, check_body

    body = application(shipping=SHIPPING)
    check = services.credit_check_run(
        merchant=merchant.merchant, mode=mode, application=_serializer_input(body)
    ).check
    assert check_body(check) == CheckSerializer(check).data
    from credit.models import CreditCheck

    stored = CreditCheck.objects.get(pk=check.pk)
    assert check_body(stored) == CheckSerializer(stored).data == check_body(check)
    no_model = services.credit_check_run(
        merchant=merchant.merchant, mode=mode, application=_serializer_input(application())
    ).check
    no_model.score_model_id = no_model.ml_score = None
    assert check_body(no_model) == CheckSerializer(no_model).data


@pytest.mark.parametrize(
    "body",
    [
        application(shipping={**SHIPPING, "name": 27212}),
        application(buyer__name=12),
        application(items=[{"name": 3, "price": 100, "quantity": 1}]),
    ],
    ids=["shipping.name", "buyer.name", "items.name"],
)
def test_numbers_are_refused_where_text_is_due_at_every_level(body):
    serializer = CheckRequestSerializer(data=body)
    assert not serializer.is_valid()
    errors = serializer.errors
    nested = next(iter(errors.values()))
    assert "must be a string" in str(nested)
