"""Merchant pages and the operators' admin under hostile query strings and paths: a page, a
redirect or a 4xx — never a 500 (property-based)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import assert_answered, hostile_settings
from tests.support import make_user

pytestmark = pytest.mark.django_db

HYPOTHESIS = hostile_settings()
values = st.sampled_from(
    ["test", "live", "CAPTURED", "Card", "1", "-1", "999999999999999999999", "2026-13-01"]
) | st.text(max_size=40)
queries = st.dictionaries(
    st.sampled_from(
        ["mode", "status", "pay_type", "q", "page", "o", "p", "e", "created__gte", "status__exact", "x"]
    ),
    values,
    max_size=4,
)


@HYPOTHESIS
@given(page=st.sampled_from(["payments/", "activity/", "webhooks/", "keys/", "team/", ""]), query=queries)
def test_merchant_pages(client, merchant, page, query):
    client.force_login(merchant.owner)
    response = client.get(f"/m/{merchant.merchant.public_id}/{page}", query)
    assert_answered(response, page, query, api=False)


@HYPOTHESIS
@given(
    order_id=st.text(min_size=1, max_size=60).filter(lambda s: "/" not in s and "?" not in s and "#" not in s)
)
def test_merchant_payment_detail_paths(client, merchant, order_id):
    client.force_login(merchant.owner)
    response = client.get(f"/m/{merchant.merchant.public_id}/payments/test/{order_id}/")
    assert_answered(response, order_id, api=False)


@HYPOTHESIS
@given(
    changelist=st.sampled_from(
        [
            "payments/payment",
            "payments/paymentevent",
            "portal/merchant",
            "portal/application",
            "credit/creditcheck",
        ]
    ),
    query=queries,
)
def test_admin_changelists(client, changelist, query):
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    response = client.get(f"/admin/{changelist}/", query)
    assert_answered(response, changelist, query, api=False)


form_values = st.sampled_from(
    ["", "1", "test", "live", "https://shop.example/hook", "owner", "a@b.example"]
) | st.text(max_size=60)
forms = st.dictionaries(
    st.sampled_from(
        ["name", "email", "role", "url", "event", "signature", "mode", "kind", "legal_name", "phone",
         "postal_code", "website", "comment", "amount", "password1", "password2", "x"]
    ),
    form_values,
    max_size=6,
)  # fmt: skip


@HYPOTHESIS
@given(
    page=st.sampled_from(
        ["application/", "team/", "webhooks/", "keys/", "checkout/", "webhooks/rotate/", "team/u_unknown/role/",
         "keys/k_unknown/revoke/", "webhooks/w_unknown/delete/"]
    ),
    form=forms,
)  # fmt: skip
def test_merchant_forms(client, merchant, page, form):
    """Merchant pages' forms posted with anything: a page, a redirect or a 4xx — never a 500."""
    client.force_login(merchant.owner)
    response = client.post(f"/m/{merchant.merchant.public_id}/{page}", form)
    assert_answered(response, page, form, api=False)


@HYPOTHESIS
@given(page=st.sampled_from(["signup/", "login/", "password-reset/", "verify-email-resend/"]), form=forms)
def test_public_forms(client, page, form):
    response = client.post(f"/{page}", form)
    assert_answered(response, page, form, api=False)
