"""Rows for the product running on the replica harness, written the product's own way.

Run as ``python -m tests.scale.replica_site`` with the server's environment (``DATABASE_URL`` =
the harness primary): the test process's own Django points at the pytest-django database, not
at the harness. Reads one command a line on stdin (words separated by spaces) and answers each
with one line of JSON on stdout; started once, it spares each command Django's start-up.

- ``merchant``: an approved merchant (the tests' ``make_merchant``), two signed-in sessions
  of its owner (session cookies, as a browser holds them) and its test secret key's id.
- ``payment <merchant public id> <order id>``: one captured ¥3,300 payment of it, now.
"""

from __future__ import annotations

import json
import os
import sys


def run(argv: list[str]) -> dict:
    from django.conf import settings
    from django.test import Client

    from portal.models import ApiKey, Merchant, Mode
    from tests.payments.factories import PaymentFactory
    from tests.support import make_merchant

    command, *args = argv
    if command == "merchant":
        shop = make_merchant(name="Replica Shop", approved=True)
        sessions = []
        for _ in range(2):
            client = Client()
            client.force_login(shop.owner)
            sessions.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        key = ApiKey.objects.get(merchant=shop.merchant, mode=Mode.TEST, kind=ApiKey.Kind.SECRET)
        return {
            "merchant": shop.merchant.public_id,
            "cookie": settings.SESSION_COOKIE_NAME,
            "sessions": sessions,
            "key": key.public_id,
            "key_masked": key.masked,
        }
    if command == "payment":
        merchant_id, order_id = args
        payment = PaymentFactory(merchant=Merchant.objects.get(public_id=merchant_id), order_id=order_id)
        return {"order_id": payment.order_id}
    raise SystemExit(f"unknown command {command!r}")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    for line in sys.stdin:
        print(json.dumps(run(line.split())), flush=True)


if __name__ == "__main__":
    main()
