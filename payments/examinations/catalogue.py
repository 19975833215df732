"""fincode's examination vocabulary against this product's pay types: one table.

``examination_master_id`` (fincode's ``ContractExaminationMasterId``) and the ``provider`` names of
``…/providers/reserve`` (``PaymentProvider``) for each pay type the registry takes. Bnpl is our
extension: fincode has no examination id for it, so it is reviewed but not listed by id.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Examined:
    master_ids: tuple[int, ...]  # listed for the pay type's method
    providers: dict[str, int]  # provider name → its examination_master_id


PAY_TYPES: dict[str, Examined] = {
    "Card": Examined((1, 2), {}),
    "Applepay": Examined((51, 52), {"APPLE_PAY_UC": 51, "APPLE_PAY_JCB_AMEX": 52}),
    "Googlepay": Examined(
        (56, 57),
        {"GOOGLE_PAY_UC": 56, "GOOGLE_PAY_TFC": 58, "GOOGLE_PAY_ORICO": 59, "GOOGLE_PAY_JCB_AMEX": 57,
         "GOOGLE_PAY_DINERS": 57},
    ),
    "Konbini": Examined((101,), {"PAYSLE": 101}),
    "Paypay": Examined((201,), {"PAYPAY": 201}),
    "Directdebit": Examined((301,), {"DIRECT_DEBIT": 301}),
    "Virtualaccount": Examined((401,), {"VIRTUAL_ACCOUNT": 401}),
    "Bnpl": Examined((), {}),
}  # fmt: skip

PROVIDERS: dict[str, str] = {
    provider: pay_type for pay_type, examined in PAY_TYPES.items() for provider in examined.providers
}

TASKS: dict[int, str] = {
    1: "決済事業者審査: VISA/MASTER-UC", 2: "決済事業者審査: JCB/AMEX", 3: "決済事業者審査: VISA/MASTER-TFC",
    4: "決済事業者審査: VISA/MASTER-ORICO", 51: "決済事業者審査: ApplePay-UC", 52: "決済事業者審査: ApplePay-JCB/AMEX",
    56: "決済事業者審査: GooglePay-UC", 57: "決済事業者審査: GooglePay-JCB/AMEX", 58: "決済事業者審査: GooglePay-TFC",
    59: "決済事業者審査: GooglePay-ORICO", 101: "決済事業者審査: コンビニ決済", 201: "決済事業者審査: PayPay決済",
    301: "決済事業者審査: 口座振替決済", 401: "決済事業者審査: 銀行振込",
}  # fmt: skip

# fincode's ExaminationFileType → the portal's document kind.
FILE_TYPES: dict[str, str] = {
    **dict.fromkeys(("DRIVER_LICENSE_FRONT", "DRIVER_LICENSE_BACK", "SEAL_REGISTRATION_FRONT", "RESIDENT_CARD_FRONT", "RESIDENT_CARD_BACK", "SPECIAL_PERMANENT_RESIDENT_FRONT", "SPECIAL_PERMANENT_RESIDENT_BACK", "CERTIFICATE_OF_RESIDENCE_FRONT", "MY_NUMBER_CARD_FRONT"), "identity"),
    **dict.fromkeys(("PRODUCT_IMAGE_1", "PRODUCT_IMAGE_2", "PRODUCT_IMAGE_3", "APP_IMAGE_TOP", "APP_IMAGE_ICON"), "site"),
    **dict.fromkeys(("SALES_LICENSE_1", "SALES_LICENSE_2", "SALES_LICENSE_3"), "other"),
    "COPY_OF_CORPORATE_REGISTRATION": "registry",
}  # fmt: skip


def master_ids(pay_type: str, providers: list[str]) -> list[int]:
    """The examination ids listed for a pay type's method: its own, and those of reserved providers."""
    examined = PAY_TYPES.get(pay_type, Examined((), {}))
    ids = set(examined.master_ids) | {examined.providers[p] for p in providers if p in examined.providers}
    return sorted(ids)
