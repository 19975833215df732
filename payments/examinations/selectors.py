"""Reads: a platform's tenant, its examination in fincode's shapes, the contract status."""

from __future__ import annotations

from typing import Any

from payments.examinations import catalogue, errors
from payments.examinations.models import Examination, ProviderReservation
from portal import selectors as portal_selectors
from portal.errors import PortalError
from portal.models import Application, ApplicationMethod, Merchant

# fincode's ContractStatus from the portal's application status (105, cancelled, never arises here).
CONTRACT_STATUS: dict[str, str] = {
    Application.Status.DRAFT: "101",
    Application.Status.SUBMITTED: "102",
    Application.Status.IN_REVIEW: "102",
    Application.Status.CHANGES_REQUESTED: "102",
    Application.Status.APPROVED: "107",
    Application.Status.REJECTED: "106",
}
# fincode's ExaminationStatus from a method's decision.
METHOD_STATUS: dict[str, str] = {
    ApplicationMethod.Decision.PENDING: "1",
    ApplicationMethod.Decision.CHANGES_REQUESTED: "1",
    ApplicationMethod.Decision.APPROVED: "2",
    ApplicationMethod.Decision.REJECTED: "3",
}


def tenant_get(*, platform: Merchant, tenant_id: str) -> Merchant:
    """The platform's tenant shop ``tenant_id``; any other shop is answered as nonexistent."""
    tenant = portal_selectors.tenant_of(platform_id=platform.pk, tenant_public_id=str(tenant_id)[:40])
    if tenant is None:
        raise PortalError(errors.TENANT_NOT_FOUND)
    return tenant


def application_of(tenant: Merchant) -> Application:
    """The tenant's application (an unsaved draft if it has none yet)."""
    return Application.objects.filter(merchant=tenant).first() or Application(merchant=tenant)


def examination_of(application: Application) -> Examination:
    if application.pk is None:
        return Examination(application=application)
    return Examination.objects.filter(application=application).first() or Examination(application=application)


def contract_status(application: Application) -> str:
    return CONTRACT_STATUS[application.status]


def examination_list(application: Application) -> list[dict[str, Any]]:
    """fincode's ``examination``: one entry per examination id of each method under review or decided."""
    if application.pk is None:
        return []
    submitted = application.status != Application.Status.DRAFT
    reserved: dict[int, list[str]] = {}
    for method_id, provider in ProviderReservation.objects.filter(
        method__application=application
    ).values_list("method_id", "provider"):
        reserved.setdefault(method_id, []).append(provider)
    out = []
    for method in application.methods.all():
        if not submitted and method.pk not in reserved:
            continue
        for master_id in catalogue.master_ids(method.pay_type, reserved.get(method.pk, [])):
            approved = method.decision == ApplicationMethod.Decision.APPROVED
            out.append(
                {
                    "examination_master_id": master_id,
                    "status_code": METHOD_STATUS[method.decision],
                    "member_code": None,
                    "tds_available": True if master_id in (1, 2, 3, 4) else None,
                    "installments_payment_available": None,
                    "mcc_1": None,
                    "mcc_2": None,
                    "paypay_mid": None,
                    "paypay_store_id": None,
                    "paysle_merchant_code": None,
                    "paysle_user_id": None,
                    "paysle_user_password": None,
                    "cut_over_at": method.decided_at.strftime("%Y/%m/%d")
                    if approved and method.decided_at
                    else None,
                }
            )
    return sorted(out, key=lambda e: e["examination_master_id"])


def examination_state(application: Application) -> dict[str, Any]:
    """What ``contracts.status_code.updated`` announces: the contract status and each method's."""
    methods = {}
    if application.status != Application.Status.DRAFT:
        methods = {m.pay_type: METHOD_STATUS[m.decision] for m in application.methods.all()}
    return {"status_code": contract_status(application), "methods": methods}


def info_v2(tenant: Merchant) -> dict[str, Any]:
    """fincode's ExaminationInfo.V2 of the tenant."""
    application = application_of(tenant)
    info = examination_of(application).info
    return {
        "status_code": contract_status(application),
        "contract_info": info.get("contract_info") or {},
        "shop_info": info.get("shop_info") or {},
        "bank_account_info": info.get("bank_account_info") or {},
        "deposit_cycle_info": info.get("deposit_cycle_info") or {"deposit_cycle_master_id": None},
        "merchant_category_code": info.get("merchant_category_code"),
    }


def _day(value) -> str | None:
    return value.strftime("%Y/%m/%d") if value else None


def contract(tenant: Merchant) -> dict[str, Any]:
    """fincode's Contract of the tenant (``GET /v1/contracts/{id}``)."""
    from payments.examinations import shapes

    application = application_of(tenant)
    examination = examination_of(application)
    info = examination.info
    status = contract_status(application)
    old = shapes.v1_from_v2(info)
    return {
        "shop_id": tenant.public_id,
        "platform_id": tenant.platform.public_id if tenant.platform else None,
        "shop_type": tenant.shop_type or None,
        "status_code": status,
        "examination": examination_list(application),
        "available_status_code": 202 if tenant.live_enabled else 201,
        "create_date": _day(tenant.created_at),
        "contracted_at": _day(application.submitted_at),
        "start_charging_at": _day(application.decided_at) if status == "107" else None,
        "expired_at": None,
        "sales_deposit_status_code": None,
        "sales_deposit_status_updated_date": None,
        "denied_at": _day(application.decided_at) if status == "106" else None,
        "suspended_billing": None,
        "suspended_billing_date": None,
        "suspended_payment": None,
        "suspended_payment_date": None,
        "suspended_service": tenant.status == Merchant.Status.SUSPENDED,
        "suspended_service_date": None,
        "suspeded_immediate_use": None,
        "suspended_immediate_use_date": None,
        "stop_cancelaltion_memo": None,
        "obligations_notice": None,
        "user_shop_name": tenant.name,
        "register_mail": tenant.shop_mail_address or None,
        "platform_reprentative_shop": False,
        "shared_customer_flag": "1" if tenant.platform and tenant.platform.shared_customers else "0",
        "contract_detail": old["contract_detail"],
        "contract_bank_account": old["contract_bank_account"],
        "contract_virtual_bank": None,
        "contract_card_destination": [],
        "credit_card_setting": None,
        "official_registered_corporate_info": None,
    }


def info_v1(tenant: Merchant) -> dict[str, Any]:
    """fincode's old ExaminationInfo of the tenant."""
    from payments.examinations import shapes

    application = application_of(tenant)
    info = examination_of(application).info
    old = shapes.v1_from_v2(info)
    sections = {
        "contract_info_input": bool(info.get("contract_info")),
        "shop_info_input": bool(info.get("shop_info")),
        "account_info_input": bool(info.get("bank_account_info")),
        "card_info_input": application.pk is not None and application.methods.exists(),
    }
    filled = sum(sections.values())
    return {
        "shop_id": tenant.public_id,
        "platform_id": tenant.platform.public_id if tenant.platform else None,
        "shop_type": tenant.shop_type or None,
        "status_code": contract_status(application),
        "deposit_cycle_master_id": old["deposit_cycle_master_id"],
        "contract_detail": old["contract_detail"],
        "shop_item_detail": old["shop_item_detail"],
        "contract_bank_account": old["contract_bank_account"],
        "contract_input_status": {
            "status_code": 301 if filled == 0 else 304 if filled == len(sections) else 302,
            **sections,
        },
    }


def platform_tenants(platform: Merchant) -> list[dict[str, Any]]:
    """The platform's tenants with their examination status (the platform's merchant page)."""
    rows = []
    tenants = Merchant.objects.filter(platform=platform, shop_type=Merchant.ShopType.TENANT).order_by("name")
    applications = {
        a.merchant_id: a for a in Application.objects.filter(merchant__in=tenants).prefetch_related("methods")
    }
    for tenant in tenants:
        application = applications.get(tenant.pk) or Application(merchant=tenant)
        rows.append(
            {
                "tenant": tenant,
                "application": application,
                "status_code": contract_status(application),
                "methods": list(application.methods.all()) if application.pk else [],
            }
        )
    return rows
