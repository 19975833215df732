"""Error codes of the payments API (areas 10–13; see /docs/errors/)."""

from portal.errors import define, register_fields

# --- Payments (10) ---------------------------------------------------------------
PAYMENT_NOT_FOUND = define("E1000000001", 404, "The payment was not found.")
INVALID_STATUS_TRANSITION = define(
    "E1000000002", 409, "This operation is not allowed in the payment's current status."
)
PAYMENT_BUSY = define("E1000000003", 409, "Another operation on this payment is in progress; retry shortly.")
CARD_DECLINED = define("E1000000004", 402, "The card was declined.")
INSUFFICIENT_FUNDS = define("E1000000005", 402, "The card has insufficient funds.")
PROVIDER_TIMEOUT = define(
    "E1000000006",
    504,
    "The card network did not answer in time. The outcome is being reconciled automatically; "
    "retrying the same request is safe and never charges twice.",
)
PROVIDER_UNAVAILABLE = define("E1000000007", 503, "The card network is unavailable; retry later.")
LIVE_ACQUIRER_MISSING = define(
    "E1000000008", 503, "Live card payments are not available: no card acquirer is configured for live mode."
)
AMOUNT_OVER_LIMIT = define(
    "E1000000009", 400, "amount: the total (amount + tax) exceeds the contract's maximum per payment."
)
PAY_TYPE_NOT_CONTRACTED = define(
    "E1000000010", 403, "pay_type: this payment method is not in your contracts."
)
PAY_TYPE_MISMATCH = define("E1000000011", 400, "pay_type: it does not match the payment's pay_type.")
ORDER_ID_EXISTS = define("E1000000012", 409, "id: a payment with this id already exists.")
PAY_TYPE_NOT_SUPPORTED = define(
    "E1000000013", 400, "pay_type: this payment method is not supported here yet."
)
ACCESS_ID_MISMATCH = define("E1000000014", 400, "access_id: it does not match the payment.")
CARD_SOURCE_REQUIRED = define("E1000000015", 400, "token: give a card token, or customer_id (and card_id).")
JOB_CODE_MISMATCH = define(
    "E1000000016", 400, "job_code: it does not match the payment's status (AUTH or CAPTURE)."
)
AMOUNT_INCREASE_NOT_ALLOWED = define(
    "E1000000017", 400, "amount: a captured payment's amount can only be reduced."
)
CARD_EXPIRED = define("E1000000018", 402, "The card has expired.")
PROVIDER_ERROR = define("E1000000019", 502, "The card network returned an error; retry later.")
# Methods that complete later (QR wallets, konbini, bank transfer)
OPERATION_NOT_SUPPORTED = define(
    "E1000000020", 400, "This operation is not available for the payment's pay_type."
)
PROVIDER_DECLINED = define("E1000000021", 402, "The payment provider refused the operation.")
WALLET_NOT_CONTRACTED = define("E1000000022", 403, "wallet: this wallet is not in your contract.")
PROVIDER_NOT_CONFIGURED = define(
    "E1000000023", 503, "This payment method is not available in live mode: no provider is configured."
)
BARCODE_NOT_READY = define(
    "E1000000024",
    409,
    "The payment slip is not issued yet (the payment is not awaiting the buyer); retry shortly.",
)
ASYNC_PROVIDER_ERROR = define(
    "E1000000025",
    502,
    "The payment provider could not be reached; the operation is retried automatically and "
    "its outcome is sent by webhook.",
)
NOT_IN_TEST_MODE = define("E1000000026", 400, "This simulation is available in test mode only.")

register_fields(
    "10",
    {
        "id": 1, "pay_type": 2, "job_code": 3, "amount": 4, "tax": 5, "tds_type": 6, "tds2_type": 7,
        "client_field_1": 8, "client_field_2": 9, "client_field_3": 10, "access_id": 11, "token": 12,
        "customer_id": 13, "card_id": 14, "method": 15, "pay_times": 16, "tds2_ret_url": 17, "return_url": 18,
        "return_url_on_failure": 19, "td_tenant_name": 20, "page": 21, "limit": 22, "count_only": 23, "sort": 24,
        "status": 25, "process_date_from": 26, "process_date_to": 27, "total_amount_min": 28,
        "total_amount_max": 29, "update_date_from": 30, "update_date_to": 31, "auth_max_date_from": 32,
        "auth_max_date_to": 33, "pa_res": 34, "pay_pattern": 35, "subscription_id": 36,
        "order_description": 37, "redirect_url": 38, "redirect_type": 39, "user_agent": 40,
        "payment_term_day": 41, "device_name": 42, "win_width": 43, "win_height": 44, "pixel_ratio": 45,
        "win_size_type": 46, "billing_amount": 47, "billing_tax": 48, "reference_order_id": 49,
        "capture_description": 50, "cancel_description": 51, "update_description": 52, "wallet": 53,
        "payment_date_from": 54, "payment_date_to": 55,
    },
)  # fmt: skip

# --- Card tokens and cards (11) ---------------------------------------------------
TOKEN_INVALID = define("E1100000001", 400, "token: the card token is unknown, used or expired.")
CARD_NOT_FOUND = define("E1100000002", 404, "The card was not found.")
NO_DEFAULT_CARD = define("E1100000003", 400, "card_id: the customer has no default card; give card_id.")

register_fields(
    "11",
    {"card_no": 1, "expire": 2, "holder_name": 3, "security_code": 4, "token": 5, "default_flag": 6},
)

# --- Customers (12) ---------------------------------------------------------------
CUSTOMER_NOT_FOUND = define("E1200000001", 404, "The customer was not found.")
CUSTOMER_EXISTS = define("E1200000002", 409, "id: a customer with this id already exists.")

register_fields(
    "12",
    {
        "id": 1, "name": 2, "email": 3, "phone_cc": 4, "phone_no": 5, "addr_country": 6, "addr_state": 7,
        "addr_city": 8, "addr_line_1": 9, "addr_line_2": 10, "addr_line_3": 11, "addr_post_code": 12,
        "page": 13, "limit": 14, "count_only": 15, "sort": 16, "created_from": 17, "created_to": 18,
    },
)  # fmt: skip

# --- 3-D Secure 2 (13) --------------------------------------------------------------
TDS_NOT_IN_PROGRESS = define(
    "E1300000001", 409, "3-D Secure authentication is not in progress for this payment."
)
TDS_AUTHENTICATION_FAILED = define(
    "E1300000002", 402, "3-D Secure authentication failed; the payment cannot proceed."
)
TDS_NOT_ENROLLED = define(
    "E1300000003",
    402,
    "The card does not support 3-D Secure 2 (tds2_type=2 stops here; use 3 to continue without it).",
)
TDS_NOT_COMPLETED = define("E1300000004", 409, "3-D Secure authentication is not complete yet.")
TDS_PARAM_INVALID = define("E1300000005", 400, "param: it is not the value sent to tds2_ret_url.")

register_fields("13", {"param": 1, "pay_type": 2})

# --- Webhooks (14) --------------------------------------------------------------------
WEBHOOK_SETTING_NOT_FOUND = define("E1400000001", 404, "The webhook setting was not found.")
WEBHOOK_SETTING_EXISTS = define("E1400000002", 409, "id: a webhook setting with this id already exists.")
WEBHOOK_URL_NOT_ALLOWED = define(
    "E1400000003", 400, "url: live-mode webhooks must use https (fincode: port 443)."
)
WEBHOOK_DELIVERY_NOT_FOUND = define("E1400000004", 404, "The webhook delivery was not found.")
WEBHOOK_DELIVERY_IN_PROGRESS = define(
    "E1400000005", 409, "This delivery is being sent right now; resend it once the attempt is logged."
)

register_fields("14", {"id": 1, "url": 2, "event": 3, "signature": 4})

# --- Payment methods and direct debit (18) -----------------------------------------------------
PAYMENT_METHOD_NOT_FOUND = define("E1800000001", 404, "The payment method was not found.")
PAYMENT_METHOD_DETAILS_REQUIRED = define(
    "E1800000002", 400, "card / directdebit: give the object of the payment method's pay_type (and only it)."
)
BANK_NOT_SUPPORTED = define("E1800000003", 400, "bank_code: this bank does not take direct debits.")
ACCOUNT_REFUSED = define("E1800000004", 400, "directdebit: the bank refused the account application.")
PAYMENT_METHOD_NOT_ACTIVATED = define(
    "E1800000005",
    400,
    "payment_method_id: the payment method is not ACTIVATED (the bank has not registered it).",
)
TARGET_DATE_INVALID = define(
    "E1800000006", 400, "target_date: not a debit day this payment can be asked for."
)
PAYMENT_METHOD_IN_USE = define(
    "E1800000007", 409, "A debit of this payment method is waiting for the bank; delete it after the result."
)
REQUEST_PERIOD_ENDED = define(
    "E1800000008", 409, "The debit's request period has ended: it can no longer be changed or canceled."
)
BANK_UNAVAILABLE = define(
    "E1800000009", 503, "The bank could not be reached; nothing was registered. Retry later."
)
NO_DEFAULT_PAYMENT_METHOD = define(
    "E1800000010",
    400,
    "payment_method_id: the customer has no default payment method; give payment_method_id.",
)
TDS_ON_REGISTRATION_UNSUPPORTED = define(
    "E1800000011", 400, "card.tds_type: 3-D Secure on card registration is not available yet; use 0."
)

register_fields(
    "18",
    {
        "pay_type": 1, "default_flag": 2, "return_url": 3, "return_url_on_failure": 4, "client_field_1": 5,
        "client_field_2": 6, "client_field_3": 7, "card": 8, "directdebit": 9, "token": 10, "tds_type": 11,
        "application_type": 12, "bank_code": 13, "branch_code": 14, "account_type": 15, "account_number": 16,
        "account_name": 17, "account_name_kana": 18, "paper_application": 19, "postal_account_number_1": 20,
        "postal_account_number_2": 21, "request_form_id": 22, "payment_method_id": 23, "target_date": 24,
        "customer_id": 25, "remarks": 26,
    },
)  # fmt: skip
