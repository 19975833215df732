"""Error codes of platforms and tenant shops (area 23; see /docs/errors/)."""

from portal.errors import define, register_fields

SHOP_NOT_FOUND = define("E2300000001", 404, "The shop was not found.")
TENANT_URL_UNKNOWN = define(
    "E2300000002", 404, "tenant_url_id: this platform has no tenant registration URL with this id."
)
JOIN_REFUSED = define("E2300000003", 401, "email/password: they do not match a user of this platform shop.")
JOIN_TOO_MANY_FAILURES = define("E2300000004", 429, "Too many failed attempts; retry later.")
FEE_CLASS_REQUIRED = define(
    "E2300000005", 400, "examination_master_id: it is required to change platform fees."
)
ACCESS_TOKEN_INVALID = define("E2300000006", 400, "The sign-in link is not valid or has expired.")

register_fields(
    "23",
    {
        "email": 1, "name": 2, "password": 3, "tenant_url_id": 4, "examination_master_id": 5,
        "platform_rate": 6, "fixed_fee": 7, "web_registration_fee": 8, "paypay_content_category_type": 9,
        "api_key_display_flag": 10, "id": 11, "shop_name": 12, "shop_mail_address": 13, "created_from": 14,
        "created_to": 15, "sort": 16, "page": 17, "limit": 18, "count_only": 19,
    },
)  # fmt: skip
