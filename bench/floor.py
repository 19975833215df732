"""The same-work floor of ``bench/payments_api.py``: the least a registration must do, as DRF views.

Wired only when the benchmark runs (``bench.floor_settings`` serves these URLs after the
product's own); never part of the product.

* ``POST /bench/floor/payments`` — register: one cached key lookup, one Redis script call,
  one ``INSERT … RETURNING`` in a transaction, a small JSON answer;
* ``PUT /bench/floor/payments/{id}`` — execute: the key lookup, one HTTP call to the acquirer
  simulator (the product's own client) and a second transaction.

The product's requests/s divided by these, measured in the same run on the same server,
say what its design costs beyond the work itself.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from payments.models import new_order_id
from payments.providers.base import AuthorizeRequest
from payments.providers.registry import card_acquirer
from payments.vault import ClearCard
from portal.api.authentication import key_cache, parse_authorization
from portal.errors import PortalError
from portal.redis import get_redis
from portal.services import hash_api_key
from portal.urls import handler400, handler403, handler404, handler500  # noqa: F401
from portal.urls import urlpatterns as product_urlpatterns

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_floor_payment (
    id bigserial PRIMARY KEY,
    order_id varchar(30) NOT NULL UNIQUE,
    merchant_id bigint NOT NULL,
    amount integer NOT NULL,
    status varchar(30) NOT NULL,
    transaction_id varchar(64) NOT NULL DEFAULT '',
    created timestamptz NOT NULL DEFAULT now()
)
"""

# A lease in a sorted set scored by expiry, on Redis's clock: the least of an admission check.
LEASE_LUA = """
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + 60000, ARGV[1])
return 1
"""
_lease = get_redis().register_script(LEASE_LUA)


def _key(request):
    """The caller's usable key, from the per-process cache (the product's own)."""
    try:
        key = key_cache.get(hash_api_key(parse_authorization(request.META.get("HTTP_AUTHORIZATION", ""))))
    except PortalError:
        return None
    return key if key is not None and key.is_usable() else None


class FloorRegisterView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request):
        key = _key(request)
        if key is None:
            return Response({"error": "unauthorised"}, status=401)
        amount = int(request.data["amount"])
        order_id = new_order_id()
        _lease(keys=[f"floor:{{{key.merchant_id}}}:win"], args=[order_id], client=get_redis())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_floor_payment (order_id, merchant_id, amount, status) "
                "VALUES (%s, %s, %s, 'UNPROCESSED') RETURNING id, created",
                [order_id, key.merchant_id, amount],
            )
            cursor.fetchone()
        return Response({"id": order_id, "access_id": order_id, "amount": amount, "status": "UNPROCESSED"})


class FloorExecuteView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def put(self, request, order_id: str):
        key = _key(request)
        if key is None:
            return Response({"error": "unauthorised"}, status=401)
        result = card_acquirer("test").authorize(
            AuthorizeRequest(
                reference=order_id,
                card=ClearCard("4111111111111111", "3012"),
                amount=1000,
                currency="JPY",
                capture=True,
                merchant_ref=key.merchant.public_id,
            )
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE bench_floor_payment SET status = 'CAPTURED', transaction_id = %s "
                "WHERE order_id = %s AND merchant_id = %s AND status = 'UNPROCESSED'",
                [result.transaction_id, order_id, key.merchant_id],
            )
        return Response({"id": order_id, "status": "CAPTURED"})


urlpatterns = [
    *product_urlpatterns,
    path("bench/floor/payments", FloorRegisterView.as_view()),
    path("bench/floor/payments/<str:order_id>", FloorExecuteView.as_view()),
]
