"""Error codes of the credit area (20): fixed codes and the field table of the check API."""

from portal.errors import define, register_fields

AREA = "20"

CHECK_NOT_FOUND = define("E2000000001", 404, "The credit check was not found.")
RULES_INVALID = define("E2000000002", 400, "The rule file is invalid.")
RULE_SET_NOT_EDITABLE = define("E2000000003", 409, "Published rule sets are immutable; clone a new draft.")
RULE_SET_STATE = define("E2000000004", 409, "This rule-set change is not allowed in its current state.")
FOUR_EYES = define("E2000000005", 403, "A rule set must be published by someone other than its builder.")
NO_LIVE_RULE_SET = define("E2000000006", 503, "No credit rule set is live; an operator must activate one.")
REVIEW_STATE = define("E2000000007", 409, "This credit check is not waiting for review.")
MODEL_STATE = define("E2000000008", 409, "This model change is not allowed.")
EXPOSURE_STATE = define("E2000000009", 409, "This credit exposure cannot change from its current state.")
NOTHING_TO_ROLL_BACK = define("E2000000010", 409, "There is no earlier live version to roll back to.")

# Field numbers of POST /v1/credit/checks (never renumber).
register_fields(
    AREA,
    {
        "buyer": 1,
        "name": 2,
        "name_kana": 3,
        "email": 4,
        "phone": 5,
        "postal_code": 6,
        "address": 7,
        "birth_date": 8,
        "amount": 9,
        "currency": 10,
        "items": 11,
        "shipping": 12,
        "device": 13,
        "fingerprint": 14,
        "ip": 15,
        "order_id": 16,
        "rules": 17,
        "note": 18,
        "policy": 19,
    },
)
