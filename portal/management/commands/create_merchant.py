"""Create a merchant (and its owner) from the command line; print its id and keys as JSON.

    python manage.py create_merchant --name "Shop" --email owner@example.com \
        --approve --methods Card,Konbini --json
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal import services
from portal.errors import PortalError
from portal.models import ApiKey, Mode, User
from portal.pay_types import pay_type_values


class Command(BaseCommand):
    help = "Create a merchant with its owner and API keys; optionally approve it with default contracts."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument(
            "--email", required=True, help="Owner's e-mail (created if new, with no usable password)."
        )
        parser.add_argument("--approve", action="store_true", help="Approve now, with default contracts.")
        parser.add_argument(
            "--methods",
            default="",
            help="Comma-separated pay types to approve (default: all).",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, name, email, approve, methods, json: bool = False, **options):
        known = pay_type_values()
        pay_types = [m.strip() for m in methods.split(",") if m.strip()] or known
        unknown = [m for m in pay_types if m not in known]
        if unknown:
            raise CommandError(f"unknown pay types: {', '.join(unknown)} (use {', '.join(known)})")
        try:
            with transaction.atomic():
                result = self._create(name=name, email=email, approve=approve, pay_types=pay_types)
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        if json:
            self.stdout.write(_json_dumps(result))
        else:
            self.stdout.write(f"Merchant {result['merchant_id']} ({result['status']})")
            for mode, keys in result["keys"].items():
                for kind, value in keys.items():
                    self.stdout.write(f"  {mode} {kind}: {value}")

    def _create(self, *, name: str, email: str, approve: bool, pay_types: list[str]) -> dict:
        email = email.strip().lower()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None)
            services.audit_record(
                actor=None, action="user.created", obj=user, after={"email": email, "via": "command"}
            )
        merchant = services.merchant_create(name=name, owner=user, actor=None)
        keys: dict[str, dict[str, str]] = {}
        modes = [Mode.TEST]
        if approve:
            services.application_fast_track(application=merchant.application, pay_types=pay_types, actor=None)
            merchant.refresh_from_db()
            modes.append(Mode.LIVE)
        for mode in modes:
            keys[mode] = {}
            for kind in (ApiKey.Kind.PUBLIC, ApiKey.Kind.SECRET):
                issued = services.api_key_create(
                    merchant=merchant, mode=mode, kind=kind, actor=None, label="create_merchant"
                )
                keys[mode][kind] = issued.raw
        return {
            "merchant_id": merchant.public_id,
            "name": merchant.name,
            "status": merchant.status,
            "owner_email": user.email,
            "keys": keys,
            "contracts": [
                {"pay_type": c.pay_type, **services.snapshot(c, services.CONTRACT_TERMS)}
                for c in merchant.contracts.all()
            ],
        }


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)
