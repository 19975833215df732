"""Error codes of chargebacks (area 26; see /docs/errors/)."""

from portal.errors import define, register_fields

CHARGEBACK_NOT_FOUND = define("E2600000001", 404, "The chargeback was not found.")
PAYMENT_NOT_FOUND = define("E2600000002", 404, "order_id: the payment was not found.")
PAYMENT_NOT_CAPTURED = define("E2600000003", 400, "order_id: only a captured payment can be charged back.")
AMOUNT_OVER_CAPTURED = define("E2600000004", 400, "amount: it exceeds the captured amount of the payment.")
ALREADY_DISPUTED = define("E2600000005", 400, "order_id: the payment already has a chargeback in progress.")
STATE_CONFLICT = define("E2600000006", 400, "The chargeback is not in a state that allows this.")
EVIDENCE_TOO_LARGE = define("E2600000007", 400, "file: the evidence file is too large.")
EVIDENCE_REJECTED = define("E2600000008", 400, "file: only PDF, PNG and JPEG evidence is accepted.")
EVIDENCE_REQUIRED = define("E2600000009", 400, "file: upload evidence before submitting.")
EVIDENCE_LATE = define("E2600000011", 400, "file: the evidence due date has passed.")
TOO_MANY_EVIDENCE = define("E2600000010", 400, "file: a chargeback takes at most 10 evidence files.")

register_fields(
    "26",
    {
        "order_id": 1, "amount": 2, "request": 3, "status_code": 4, "category": 5, "canceled": 6,
        "process_date_since": 7, "process_date_until": 8, "opened_to_shop_date_since": 9,
        "opened_to_shop_date_until": 10, "sort": 11, "page": 12, "limit": 13, "count_only": 14,
        "file": 15, "outcome": 16, "reason_code": 17, "reason_text": 18, "id": 19,
    },
)  # fmt: skip
