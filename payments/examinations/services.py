"""Writes: a platform fills in, files and requests its tenant's examination, and reserves providers.

Every write locks the tenant's ``Application`` row (``application_lock``) first, then its
``Examination``: the same order as the portal's review, so no two writers cross.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from payments.examinations import catalogue, errors, selectors, shapes, validation
from payments.examinations.models import Examination, ExaminationFile, ProviderReservation
from payments.examinations.schema import OLD_REQUEST, V2_REQUEST
from payments.webhooks.outbox import event_record
from portal.errors import PortalError
from portal.models import ApiKey, Application, ApplicationMethod, Merchant, Mode
from portal.services.applications import application_lock, application_submit, document_add
from portal.services.audit import audit_record

EVENT = "contracts.status_code.updated"
# The stored document: V2, plus the old API's product list and what only the old API has.
STORED: dict[str, Any] = {
    **V2_REQUEST,
    "fields": {
        **V2_REQUEST["fields"],
        "shop_item_detail": OLD_REQUEST["fields"]["shop_item_detail"],
        "legacy": {
            "type": "object",
            "required": [],
            "fields": {
                "contract_detail": OLD_REQUEST["fields"]["contract_detail"],
                "contract_bank_account": OLD_REQUEST["fields"]["contract_bank_account"],
            },
        },
    },
}
# fincode's acquirer contract status (AcquirerContractStatus) of a method's examination status.
ACQUIRER_STATUS = {"1": ("704", "審査中"), "2": ("707", "利用可能"), "3": ("708", "審査NG")}


def _locked(tenant: Merchant) -> tuple[Application, Examination]:
    application, _ = Application.objects.get_or_create(merchant=tenant)
    application = application_lock(application)
    examination, _ = Examination.objects.select_for_update().get_or_create(application=application)
    return application, examination


def _application_fields(info: dict[str, Any]) -> dict[str, Any]:
    """The portal's application fields (screened and shown to reviewers) from fincode's."""
    contract = info.get("contract_info") or {}
    corporate = contract.get("corporate_info") or {}
    person = " ".join(
        filter(None, [contract.get("representative_last_name"), contract.get("representative_first_name")])
    )
    kana = "".join(
        filter(
            None,
            [contract.get("representative_last_name_kana"), contract.get("representative_first_name_kana")],
        )
    )
    company = contract.get("corporate") is True
    prefix, source = ("company_", corporate) if company else ("representative_", contract)
    address_parts = [source.get(f"{prefix}prefecture")] + [
        source.get(f"{prefix}address_{part}")
        for part in ("municipality", "section", "chrome", "building_name")
    ]
    site = (info.get("shop_info") or {}).get("site_info") or {}
    return {
        "legal_name": ((corporate.get("corporate_name") if company else person) or "")[:200],
        "legal_name_kana": ((corporate.get("corporate_name_kana") if company else kana) or "")[:200],
        "corporate_number": (corporate.get("corporate_number") if company else "") or "",
        "representative_name": person[:100],
        "postal_code": (source.get(f"{prefix}postal_code") or "").replace("-", "")[:7],
        "address": "".join(filter(None, address_parts))[:300],
        "phone": (source.get(f"{prefix}tel") or "")[:20],
        "website": (site.get("url") or corporate.get("hp") or "")[:300],
    }


def _info_update(
    *, tenant: Merchant, update: dict[str, Any], actor: ApiKey | None, action: str
) -> Examination:
    application, examination = _locked(tenant)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.EXAMINATION_SUBMITTED)
    info = validation.merged(STORED, examination.info, update) or {}
    examination.info = info
    examination.save(update_fields=["info", "updated_at"])
    fields = _application_fields(info)
    changed = [name for name, value in fields.items() if getattr(application, name) != value]
    for name in changed:
        setattr(application, name, fields[name])
    if changed:
        application.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=application,
        merchant=tenant,
        after={"sections": sorted(update), "application_fields": sorted(changed)},
    )
    return examination


@transaction.atomic
def examination_update_v2(*, tenant: Merchant, data: Any, actor: ApiKey | None) -> Examination:
    """``PUT /v1/contracts/examinations_v2/tenants/{id}``: a partial update of fincode's V2 info."""
    update = validation.clean(V2_REQUEST, data, "")
    return _info_update(tenant=tenant, update=update, actor=actor, action="examination.updated")


@transaction.atomic
def examination_update_v1(*, tenant: Merchant, data: Any, actor: ApiKey | None) -> Examination:
    """``PUT /v1/contracts/examinations/tenants/{id}`` (the old API), stored in the same place."""
    cleaned = validation.clean(OLD_REQUEST, data, "")
    update = shapes.v2_update_from_v1(cleaned)
    return _info_update(tenant=tenant, update=update, actor=actor, action="examination.updated")


@transaction.atomic
def examination_file_add(
    *, tenant: Merchant, file_type: Any, upload, actor: ApiKey | None
) -> ExaminationFile:
    """A file for the examination: the portal's document (its checks), with fincode's file type."""
    if file_type in (None, ""):
        raise validation.field_error("type", "required")
    if file_type not in catalogue.FILE_TYPES:
        raise validation.field_error("type", "choice", "must be one of fincode's ExaminationFileType")
    if upload is None:
        raise validation.field_error("data", "required")
    application, _ = _locked(tenant)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.EXAMINATION_SUBMITTED)
    document = document_add(
        application=application, upload=upload, kind=catalogue.FILE_TYPES[file_type], actor=actor
    )
    return ExaminationFile.objects.create(document=document, file_type=file_type)


def examination_missing(application: Application) -> list[str]:
    """fincode's required examination fields still empty (what submitting needs)."""
    info = Examination.objects.get(application=application).info
    found = [
        name
        for name in ("contract_info", "shop_info", "bank_account_info", "deposit_cycle_info")
        if not info.get(name)
    ]
    found += validation.missing(V2_REQUEST, info)
    contract = info.get("contract_info") or {}
    if contract.get("corporate") is True and not contract.get("corporate_info"):
        found.append("contract_info.corporate_info")
    return list(dict.fromkeys(found))


@transaction.atomic
def examination_request(*, tenant: Merchant, enable_immediate_use: bool, actor: ApiKey | None) -> Examination:
    """``POST /v1/contracts/examinations``: submit the tenant's application, as a merchant does —
    the same screening task and per-method review. Card is requested when nothing else is."""
    application, examination = _locked(tenant)
    if application.status not in Application.EDITABLE:
        raise PortalError(errors.EXAMINATION_SUBMITTED)
    if not application.methods.exists():
        ApplicationMethod.objects.create(application=application, pay_type="Card")
    application = application_submit(application=application, actor=actor, required=examination_missing)
    examination.enable_immediate_use = enable_immediate_use
    examination.requested_at = timezone.now()
    examination.save(update_fields=["enable_immediate_use", "requested_at", "updated_at"])
    examination_notify(application=application)
    return examination


@transaction.atomic
def providers_reserve(*, tenant: Merchant, providers: Any, actor: ApiKey | None) -> list[ProviderReservation]:
    """``…/providers/reserve``: each provider's pay type is reviewed (again) for an approved tenant."""
    if providers in (None, "", []):
        raise validation.field_error("provider", "required")
    if not isinstance(providers, list) or not all(isinstance(p, str) for p in providers):
        raise validation.field_error("provider", "invalid", "must be a list of PaymentProvider values")
    unknown = [p for p in providers if p not in catalogue.PROVIDERS]
    if unknown:
        raise validation.field_error("provider", "choice", f"unknown provider {unknown[0][:30]!r}")
    application, examination = _locked(tenant)
    if application.status != Application.Status.APPROVED:
        raise PortalError(errors.NOT_EXAMINED)
    reservations = []
    for provider in dict.fromkeys(providers):
        pay_type = catalogue.PROVIDERS[provider]
        method, created = ApplicationMethod.objects.select_for_update().get_or_create(
            application=application, pay_type=pay_type
        )
        if method.decision == ApplicationMethod.Decision.REJECTED:
            method.decision, method.comment, method.decided_by, method.decided_at = "pending", "", None, None
            method.save(update_fields=["decision", "comment", "decided_by", "decided_at"])
        reservation, _ = ProviderReservation.objects.get_or_create(
            examination=examination, provider=provider, defaults={"method": method}
        )
        reservations.append(reservation)
        if created or method.decision == ApplicationMethod.Decision.PENDING:
            audit_record(
                actor=actor,
                action="application.method_reserved",
                obj=application,
                merchant=tenant,
                after={"pay_type": pay_type, "provider": provider, "decision": method.decision},
            )
    examination_notify(application=application)
    return reservations


def examination_notify(*, application: Application) -> None:
    """Tell the tenant's platform (``contracts.status_code.updated``) when the tenant's contract
    status or a method's examination status differs from what it was last told.

    Called in the transaction that changed the application, holding its lock (the portal's review
    calls it after each decision); a no-op for shops that are not tenants.
    """
    merchant = application.merchant
    if not merchant.is_tenant or merchant.platform_id is None:
        return
    examination, _ = Examination.objects.select_for_update().get_or_create(application=application)
    state = selectors.examination_state(application)
    if state == examination.notified_state:
        return
    before = examination.notified_state.get("methods", {})
    examination.notified_state = state
    examination.event_seq += 1
    examination.save(update_fields=["notified_state", "event_seq", "updated_at"])
    reserved = list(
        ProviderReservation.objects.filter(examination=examination).values_list(
            "method__pay_type", "provider"
        )
    )
    body = []
    for pay_type, status in sorted(state["methods"].items()):
        code, name = ACQUIRER_STATUS[status]
        for master_id in catalogue.master_ids(pay_type, [p for t, p in reserved if t == pay_type]):
            body.append(
                {
                    "examination_master_id": master_id,
                    "examination_task": catalogue.TASKS.get(master_id, pay_type),
                    "status_code": code,
                    "status": name,
                    "is_updated": before.get(pay_type) != status,
                }
            )
    payload = {
        "shop_id": merchant.public_id,
        "platform_id": merchant.platform.public_id if merchant.platform else None,
        "status_code": state["status_code"],
        "body": body,
    }
    for mode in Mode.values:  # examinations have no mode: every subscribed setting of the platform hears it
        event_record(
            merchant_id=merchant.platform_id,
            mode=mode,
            name=EVENT,
            sequence=examination.event_seq,
            payload=payload,
        )
