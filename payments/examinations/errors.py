"""Error codes of tenant examinations (area 24; see /docs/errors/)."""

from portal.errors import define, register_fields

TENANT_NOT_FOUND = define("E2400000101", 404, "id: this platform has no tenant shop with this id.")
EXAMINATION_SUBMITTED = define(
    "E2400000102",
    409,
    "The examination has been requested: its information and files can no longer be changed "
    "(until the review asks for changes).",
)
TENANT_HEADER_MISMATCH = define(
    "E2400000104", 400, "Tenant-Shop-Id: it must name the same tenant shop as the request."
)
NOT_EXAMINED = define(
    "E2400000105", 409, "Payment providers can be added only once the tenant's examination is approved."
)

register_fields(
    "24",
    {
        "contract_info": 1, "shop_info": 2, "bank_account_info": 3, "deposit_cycle_info": 4,
        "merchant_category_code": 5, "contract_detail": 6, "shop_item_detail": 7, "contract_bank_account": 8,
        "deposit_cycle_master_id": 9, "update_contract_detail": 10, "update_shop": 11,
        "update_bank_account": 12, "update_deposit_cycle": 13, "shop_id": 14, "enable_immediate_use": 15,
        "provider": 16, "type": 17, "data": 18, "force_credit_check_skip": 19, "use_gmo_sign": 20,
        "body": 21,
    },
)  # fmt: skip
