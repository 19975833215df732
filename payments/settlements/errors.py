"""Error codes of settlements and deposits (area 25; see /docs/errors/)."""

from portal.errors import define, register_fields

ACCOUNT_NOT_FOUND = define("E2500000001", 404, "The settlement (account) was not found.")
PLATFORM_ACCOUNT_NOT_FOUND = define("E2500000002", 404, "The platform account was not found.")
PROCESSED_INVALID = define("E2500000003", 400, "processed: the format is yyyy/MM.")
SCHEDULED_FROM_INVALID = define("E2500000004", 400, "scheduled_from: the format is yyyy/MM/dd.")
SCHEDULED_TO_INVALID = define("E2500000005", 400, "scheduled_to: the format is yyyy/MM/dd.")
STATUS_INVALID = define("E2500000006", 400, "status: a comma-separated list of deposit status codes.")
ADJUSTMENT_AMOUNT_ZERO = define("E2500000007", 400, "amount: an adjustment must not be zero.")
ADJUSTMENT_REASON_REQUIRED = define("E2500000008", 400, "reason: say why the settlement is adjusted.")
PLATFORM_ONLY = define(
    "E2500000009", 403, "Platform accounts are a platform shop's, with its own secret key."
)

register_fields(
    "25", {"processed": 1, "scheduled_from": 2, "scheduled_to": 3, "status": 4, "amount": 5, "reason": 6}
)
