"""Error codes of the budgets area ("30")."""

from portal.errors import define, register_fields

AREA = "30"

PROJECT_NOT_FOUND = define("E3000000001", 404, "The budget project was not found.")
ANOMALY_NOT_FOUND = define("E3000000002", 404, "The anomaly was not found.")
REQUEST_NOT_FOUND = define("E3000000003", 404, "The budget request was not found.")
INVALID_TRANSITION = define("E3000000004", 409, "This state change is not allowed.")
NO_PLAN = define("E3000000005", 409, "The project has no approved budget yet.")
IMPORT_FAILED = define("E3000000006", 400, "The cost file could not be imported.")
NOT_APPROVER = define("E3000000007", 403, "Only budget approvers may decide budget requests.")
NO_SHORTFALL = define("E3000000008", 409, "The forecast shows no shortfall: no additional budget is needed.")

register_fields(
    AREA,
    {
        "name": 1,
        "currency": 2,
        "amount": 3,
        "start_month": 4,
        "months": 5,
        "schedule": 6,
        "purpose": 7,
        "answer": 8,
        "note": 9,
        "sub_accounts": 10,
        "tag": 11,
        "format": 12,
        "path": 13,
        "granularity": 14,
        "from": 15,
        "to": 16,
        "priority": 17,
        "decision": 18,
        "kind": 19,
        "role": 20,
        "user": 21,
        "max_rejected": 22,
        "group_by": 23,
        "filter": 24,
        "rates": 25,
        "upload": 26,
        "status": 27,
        "files": 28,
    },
)

SIGN_IN_REQUIRED = define(
    "E3000000009", 401, "Sign in to the portal (session) or use HTTP Basic with a portal user's e-mail."
)
NO_ACCESS = define("E3000000010", 403, "Budgets are for finance staff and the project's members.")
OWN_REQUEST = define(
    "E3000000011", 403, "Four eyes: a budget request is decided by another approver than its requester."
)
READ_ONLY_KEY = define("E3000000012", 403, "This API key is read-only.")
