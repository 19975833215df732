"""Contracts per payment method: fees and traffic limits, changed by operators with an audit trail."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from portal import errors
from portal.errors import PortalError
from portal.models import (
    ApiKey,
    AuditEvent,
    Contract,
    Merchant,
    User,
)
from portal.pay_types import contract_defaults
from portal.services.audit import audit_event, audit_record, snapshot

logger = logging.getLogger(__name__)
Actor = User | ApiKey | None


CONTRACT_TERMS = (
    "fee_rate_bps",
    "max_amount",
    "concurrency_window",
    "rate_per_second",
    "burst_factor",
    "window_shadow",
    "rate_shadow",
)


def contracts_ensure(*, merchant: Merchant, pay_types: list[str], actor: Actor) -> list[Contract]:
    """The merchant's contracts for ``pay_types``: the missing ones created with default terms,
    and their ``contract.created`` audit rows, in one INSERT each. Call holding the lock of the
    merchant's application, as every caller that creates contracts does (the review)."""
    existing = {c.pay_type: c for c in Contract.objects.filter(merchant=merchant, pay_type__in=pay_types)}
    created = Contract.objects.bulk_create(
        [
            Contract(merchant=merchant, pay_type=pay_type, **contract_defaults(pay_type))
            for pay_type in dict.fromkeys(pay_types)
            if pay_type not in existing
        ]
    )
    AuditEvent.objects.bulk_create(
        [
            audit_event(
                actor=actor,
                action="contract.created",
                obj=contract,
                merchant=merchant,
                after={"pay_type": contract.pay_type, **snapshot(contract, CONTRACT_TERMS)},
            )
            for contract in created
        ]
    )
    made = {c.pay_type: c for c in created}
    return [existing.get(pay_type) or made[pay_type] for pay_type in pay_types]


@transaction.atomic
def contract_update(*, contract: Contract, changes: dict[str, Any], actor: Actor) -> Contract:
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    allowed = {*CONTRACT_TERMS, "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise PortalError(errors.BAD_REQUEST, f"Unknown contract terms: {', '.join(sorted(unknown))}.")
    if "status" in changes and changes["status"] not in Contract.Status.values:
        raise PortalError(errors.BAD_REQUEST, "Unknown contract status.")
    fields = [f for f in changes if getattr(contract, f) != changes[f]]
    if not fields:
        return contract
    before = snapshot(contract, fields)
    for field in fields:
        setattr(contract, field, changes[field])
    contract.full_clean(exclude=["merchant"])
    contract.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=actor,
        action="contract.updated",
        obj=contract,
        merchant=contract.merchant,
        before=before,
        after=snapshot(contract, fields),
    )
    return contract
