"""Rows for the product running on the replica harness, written the product's own way.

Run as ``python -m tests.scale.replica_site`` with the server's environment (``DATABASE_URL`` =
the harness primary): the test process's own Django points at the pytest-django database, not
at the harness. Reads one command a line on stdin (words separated by spaces) and answers each
with one line of JSON on stdout; started once, it spares each command Django's start-up.

- ``merchant``: an approved merchant (the tests' ``make_merchant``), two signed-in sessions
  of its owner (session cookies, as a browser holds them) and its test secret key's id.
- ``payment <merchant public id> <order id>``: one captured ¥3,300 payment of it, now.
- ``finance``: a signed-in session of a finance user (sees every budget and unallocated costs).
- ``cost <sub-account id> [<project public id>]``: an imported cost row, of that project, else
  of none (unallocated).
- ``project <name> <sub-account id>``: a budget project (a one-word name) of that sub-account,
  with a plan for this year, in USD.
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
    if command == "finance":
        from django.contrib.auth.models import Permission

        from tests.support import make_user

        user = make_user()
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label="budgets", codename="view_project")
        )
        client = Client()
        client.force_login(user)
        return {
            "cookie": settings.SESSION_COOKIE_NAME,
            "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        }
    if command == "cost":
        from datetime import date
        from decimal import Decimal

        from budgets.models import CostDaily, Project

        sub_account, *project = args
        day = date.today()
        where = {"billing_account_id": "replica-billing", "sub_account_id": sub_account, "region": ""}
        what = {"service_name": "Replica Service", "resource_id": "r-1", "currency": "USD"}
        period = {"billing_period_start": day.replace(day=1), "charge_date": day}
        owner = Project.objects.get(public_id=project[0]) if project else None
        CostDaily.objects.create(**where, **what, **period, project=owner, cost=Decimal("7.25"))
        return {"sub_account": sub_account}
    if command == "project":
        from datetime import date

        from tests.budgets.conftest import make_project

        name, sub_account = args
        project = make_project(name, sub_accounts=(sub_account,), start=f"{date.today().year}-01")
        return {"project": project.public_id}
    raise SystemExit(f"unknown command {command!r}")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    for line in sys.stdin:
        print(json.dumps(run(line.split())), flush=True)


if __name__ == "__main__":
    main()
