"""Block and allow lists, and the known-fraud table of the similarity store."""

from __future__ import annotations

import logging

from django.db import transaction

from credit import errors, realtime, selectors
from credit.identity import digest, mask, normalize
from credit.models import (
    KnownFraud,
    ListEntry,
)
from credit.services.deployment import deployment_publish
from portal.errors import PortalError
from portal.models import User
from portal.services import audit_record

logger = logging.getLogger(__name__)
Actor = User | None
BATCH = 2000


@transaction.atomic
def list_entry_add(*, mode: str, list_name: str, kind: str, value: str, note: str, actor: Actor) -> ListEntry:
    normalized = normalize(kind, value)
    if list_name not in ListEntry.List.values or kind not in ListEntry.Kind.values or not normalized:
        raise PortalError(errors.RULE_SET_STATE, "Unknown list or kind, or an empty value.")
    entry, created = ListEntry.objects.get_or_create(
        mode=mode,
        list=list_name,
        kind=kind,
        digest=digest(kind, normalized),
        defaults={"masked": mask(kind, normalized), "note": note[:300], "created_by": actor},
    )
    if created:
        member = f"{kind}:{entry.digest}"
        transaction.on_commit(lambda: realtime.list_add(mode=mode, name=list_name, member=member))
        audit_record(
            actor=actor,
            action="credit_list.added",
            obj=entry,
            after={"list": list_name, "kind": kind, "value": entry.masked},
        )
    return entry


@transaction.atomic
def list_entry_remove(*, entry: ListEntry, actor: Actor) -> None:
    deleted, _ = ListEntry.objects.filter(pk=entry.pk).delete()
    if deleted:
        member = f"{entry.kind}:{entry.digest}"
        transaction.on_commit(lambda: realtime.list_remove(mode=entry.mode, name=entry.list, member=member))
        audit_record(
            actor=actor,
            action="credit_list.removed",
            obj=entry,
            before={"list": entry.list, "value": entry.masked},
        )


def lists_sync(*, mode: str) -> int:
    members = selectors.list_members(mode=mode)
    realtime.lists_replace(mode=mode, block=members["block"], allow=members["allow"])
    return len(members["block"]) + len(members["allow"])


@transaction.atomic
def known_fraud_add(*, kind: str, text: str, note: str = "", actor: Actor) -> KnownFraud:
    if kind not in KnownFraud.Kind.values or not text.strip():
        raise PortalError(errors.RULE_SET_STATE, "Unknown kind or empty text.")
    entry = KnownFraud.objects.create(kind=kind, text=text.strip()[:300], note=note[:300])
    audit_record(actor=actor, action="credit_known_fraud.added", obj=entry, after={"kind": kind})
    transaction.on_commit(deployment_publish)
    return entry
