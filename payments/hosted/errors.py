"""Error codes of the hosted pages (area 19; see /docs/errors/)."""

from portal.errors import define, register_fields

PAY_TYPE_NOT_CONTRACTED = define(
    "E1900000001", 400, "transaction.pay_type: the merchant has no active contract for this pay type."
)
EXPIRE_PAST = define("E1900000002", 400, "expire: it must be later than now (Japan time).")
EXPIRE_FORMAT = define("E1900000003", 400, "expire: use yyyy/MM/dd HH:mm:ss (Japan time).")
ORDER_ID_EXISTS = define(
    "E1900000004", 409, "transaction.order_id: a payment or session has this id already."
)
CUSTOMER_ID_INVALID = define("E1900000005", 400, "customer_id: use 1 to 60 letters, digits, '-' or '_'.")
TDS_ON_REGISTRATION = define(
    "E1900000007", 400, "tds_type: 3-D Secure on card registration is not available yet; use 0."
)
AMOUNT_REQUIRED = define("E1900000006", 400, "transaction.amount: it must be at least 1.")
SESSION_NOT_FOUND = define("E1900000010", 404, "The page was not found.")
SESSION_EXPIRED = define("E1900000011", 410, "The page has expired.")
SESSION_CLOSED = define("E1900000012", 409, "The page has been used already.")
SESSION_BUSY = define("E1900000013", 409, "The page is being processed; wait a moment.")
PAY_TYPE_NOT_OFFERED = define("E1900000014", 400, "pay_type: this page does not offer that pay type.")
PAY_TYPE_LOCKED = define(
    "E1900000015", 409, "pay_type: an attempt with another pay type is under way on this page."
)
TOO_MANY_ATTEMPTS = define("E1900000016", 409, "Too many attempts on this page; start again from the shop.")

register_fields(
    "19",
    {
        "transaction": 1, "card": 2, "konbini": 3, "paypay": 4, "virtualaccount": 5, "success_url": 6,
        "cancel_url": 7, "expire": 8, "shop_service_name": 9, "guide_mail_send_flag": 10,
        "receiver_mail": 11, "mail_customer_name": 12, "thanks_mail_send_flag": 13,
        "shop_mail_template_id": 14, "customer_id": 15, "customer_name": 16, "td_tenant_name": 17,
        "tds_type": 18, "tds2_type": 19, "completion_mail_send_flag": 20, "pay_type": 21, "token": 22,
        "card_no": 23, "security_code": 24, "holder_name": 25,
    },
)  # fmt: skip
