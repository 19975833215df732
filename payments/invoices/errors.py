"""Error codes of invoices (area 22; see /docs/errors/)."""

from portal.errors import define, register_fields

AREA = "22"

INVOICE_NOT_FOUND = define("E2200000001", 404, "The invoice was not found.")
INVOICE_EXISTS = define("E2200000002", 409, "id: an invoice with this id already exists.")
INVOICE_STATE = define("E2200000003", 409, "The invoice's status does not allow this.")
NO_LINES = define("E2200000004", 400, "lines: an invoice needs at least one line to be opened.")
PAY_TYPE_NOT_OFFERED = define("E2200000005", 400, "pay_types: the invoice does not offer this pay type.")
NO_VIRTUAL_ACCOUNT = define(
    "E2200000006", 409, "The invoice is not payable by bank transfer (Virtualaccount)."
)
CARD_PAYMENT_UNDER_WAY = define(
    "E2200000008", 409, "A card payment of this invoice is under way or done; reload the page."
)
AMOUNT_ZERO = define("E2200000007", 400, "lines: the invoice's total must be at least 1.")

register_fields(
    AREA,
    {
        "id": 1, "invoice_number": 2, "customer_id": 3, "customer_honorific": 4, "lines": 5, "pay_types": 6,
        "due_date": 7, "issue_date": 8, "memo": 9, "is_tax_included": 10, "client_field_1": 11,
        "client_field_2": 12, "client_field_3": 13, "transaction_date": 14, "bill_mail_send_flag": 15,
        "receipt_mail_send_flag": 16, "underpayment_mail_send_flag": 17, "status": 18, "page": 19, "limit": 20,
        "count_only": 21, "keyword": 22, "token": 23, "card": 24, "is_uncollectible": 25,
    },
)  # fmt: skip
