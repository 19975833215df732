"""Error codes of the API, and the domain exception that carries them.

Every error answer has fincode's body::

    {"errors": [{"error_code": "E0100000002", "error_message": "…"}]}

Codes are eleven characters, ``E`` + area (2 digits) + field (4) + cause (4):

* Fixed codes (field ``0000``) for causes that are not about one field, e.g.
  ``E0100000002`` (area 01 authentication, "invalid API key").
* Field codes for input validation: area, the field's number in that area's
  table, and the cause from ``CAUSES`` — so ``E1000020001`` is "payments,
  field 2 (``amount``), required". The message always names the field.

The whole table is rendered at ``/docs/errors/`` from this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language, gettext, gettext_noop

AREAS: dict[str, str] = {
    "00": "General",
    "01": "Authentication",
    "02": "Merchant onboarding",
    "10": "Payments",
    "11": "Card tokens and cards",
    "12": "Customers",
    "13": "3-D Secure 2",
    "14": "Webhooks",
    "15": "Admission control",
    "16": "Deferred payment (BNPL)",
    "17": "Plans and subscriptions",
    "18": "Payment methods and direct debit",
    "19": "Hosted pages",
    "20": "Credit",
    "21": "Bulk payments",
    "22": "Invoices",
    "23": "Platforms and tenant shops",
    "24": "Examinations",
    "25": "Settlements and deposits",
    "26": "Chargebacks",
    "30": "Budgets",
}

# Validation causes (last 4 digits of a field code).
CAUSES: dict[str, tuple[int, str]] = {
    "required": (1, gettext_noop("is required")),
    "invalid": (2, gettext_noop("has an invalid format")),
    "max_length": (3, gettext_noop("is too long")),
    "min_length": (4, gettext_noop("is too short")),
    "range": (5, gettext_noop("is out of range")),
    "choice": (6, gettext_noop("is not an allowed value")),
    "not_found": (7, gettext_noop("refers to something that does not exist")),
    "conflict": (8, gettext_noop("conflicts with existing data")),
    "unknown": (9, gettext_noop("is not a known field")),
    "expired": (10, gettext_noop("has expired")),
    "state": (11, gettext_noop("is not allowed in the current state")),
}

# DRF/Django validation codes → our causes.
_DRF_CAUSE = {
    "required": "required",
    "null": "required",
    "blank": "required",
    "max_length": "max_length",
    "min_length": "min_length",
    "max_value": "range",
    "min_value": "range",
    "max_digits": "range",
    "max_decimal_places": "invalid",
    "invalid_choice": "choice",
    "does_not_exist": "not_found",
    "unique": "conflict",
    "empty": "required",
    "not_a_list": "invalid",
}


@dataclass(frozen=True)
class ErrorSpec:
    code: str
    status: int
    message: str


_FIXED: dict[str, ErrorSpec] = {}
_FIELDS: dict[str, dict[str, int]] = {}


def define(code: str, status: int, message: str) -> ErrorSpec:
    if len(code) != 11 or not code.startswith("E") or not code[1:].isdigit():
        raise ValueError(f"malformed error code {code!r}")
    if code in _FIXED and _FIXED[code] != ErrorSpec(code, status, message):
        raise ValueError(f"error code {code} defined twice")
    spec = ErrorSpec(code, status, message)
    _FIXED[code] = spec
    return spec


def register_fields(area: str, fields: dict[str, int]) -> None:
    """Give the fields of one API area their stable numbers (never renumber)."""
    if area not in AREAS:
        raise ValueError(f"unknown error area {area}")
    table = _FIELDS.setdefault(area, {})
    for name, number in fields.items():
        existing = table.get(name)
        if existing is not None and existing != number:
            raise ValueError(f"field {name} of area {area} renumbered")
        if existing is None and number in table.values():
            raise ValueError(f"field number {number} of area {area} used twice")
        table[name] = number


def field_code(area: str, field: str, cause: str) -> str:
    number = _FIELDS.get(area, {}).get(field, 0)
    cause_number = CAUSES.get(cause, CAUSES["invalid"])[0]
    return f"E{area}{number:04d}{cause_number:04d}"


def cause_of(drf_code: str | None) -> str:
    if drf_code in CAUSES:
        return drf_code  # type: ignore[return-value]
    return _DRF_CAUSE.get(drf_code or "", "invalid")


def fixed_codes() -> list[ErrorSpec]:
    return sorted(_FIXED.values(), key=lambda s: s.code)


def field_tables() -> dict[str, dict[str, int]]:
    return {area: dict(sorted(t.items(), key=lambda kv: kv[1])) for area, t in sorted(_FIELDS.items())}


def localized(message: str) -> str:
    """An error message in the request's language (English unless the client chose another).

    Messages are their own msgids (``define``'s third argument, extracted by our
    ``makemessages``); a field message ``"<field>: <cause>"`` translates its cause.
    """
    if (get_language() or "en").startswith("en"):
        return message
    translated = gettext(message)
    if translated == message and ": " in message:
        field, _, text = message.rpartition(": ")
        translated = f"{field}: {gettext(text)}"
    return translated


class PortalError(Exception):
    """A domain error with a stable code; the API turns it into an error body.

    ``field`` names the input at fault, when there is one.
    """

    def __init__(
        self, spec: ErrorSpec, message: str | None = None, *, field: str | None = None, headers=None
    ):
        self.spec = spec
        self.message = message or spec.message
        self.field = field
        self.headers = headers or {}
        super().__init__(f"{spec.code}: {self.message}")

    @property
    def status(self) -> int:
        return self.spec.status

    @property
    def code(self) -> str:
        return self.spec.code


class FieldError(PortalError):
    """A validation error about one input field (code derived from area/field/cause)."""

    def __init__(self, area: str, field: str, cause: str, message: str | None = None, status: int = 400):
        code = field_code(area, field, cause)
        text = message or CAUSES.get(cause, CAUSES["invalid"])[1]
        spec = ErrorSpec(code, status, f"{field}: {text}")
        super().__init__(spec, f"{field}: {text}", field=field)


# --- General (00) -----------------------------------------------------------------
BAD_REQUEST = define("E0000000400", 400, "The request is malformed.")
MALFORMED_JSON = define("E0000000401", 400, "The request body is not valid JSON.")
BODY_TOO_LARGE = define("E0000000413", 413, "The request body is too large.")
UNSUPPORTED_MEDIA_TYPE = define("E0000000415", 415, "Unsupported Content-Type; send application/json.")
NOT_FOUND = define("E0000000404", 404, "The requested resource was not found.")
METHOD_NOT_ALLOWED = define("E0000000405", 405, "Method not allowed on this resource.")
NOT_ACCEPTABLE = define("E0000000406", 406, "Cannot produce a response in the requested format.")
PERMISSION_DENIED = define("E0000000403", 403, "You do not have permission to perform this action.")
THROTTLED = define("E0000000429", 429, "Too many requests; retry later.")
INTERNAL_ERROR = define("E0000000500", 500, "An internal error occurred. It has been logged.")
SERVICE_UNAVAILABLE = define("E0000000503", 503, "The service is temporarily unavailable; retry later.")
VALIDATION_FAILED = define("E0000000422", 400, "The request contains invalid values.")

# --- Authentication (01) ------------------------------------------------------------
AUTH_MISSING = define("E0100000001", 401, "Authentication required: send 'Authorization: Bearer <API key>'.")
AUTH_INVALID_KEY = define("E0100000002", 401, "The API key is invalid.")
AUTH_MALFORMED = define("E0100000003", 401, "The Authorization header is malformed.")
AUTH_REVOKED_KEY = define("E0100000004", 401, "The API key has been revoked or has expired.")
AUTH_PUBLIC_KEY_NOT_ALLOWED = define(
    "E0100000005", 403, "A public key cannot be used here; use a secret key."
)
AUTH_TOO_MANY_FAILURES = define("E0100000006", 429, "Too many failed authentication attempts; retry later.")
AUTH_MERCHANT_INACTIVE = define("E0100000007", 403, "The merchant is not enabled for live mode.")
AUTH_TENANT_NOT_PLATFORM = define(
    "E0100000008", 403, "Tenant-Shop-Id: only a platform shop's keys may act for a tenant shop."
)
AUTH_TENANT_NOT_FOUND = define(
    "E0100000009", 404, "Tenant-Shop-Id: this platform has no tenant shop with this id."
)
AUTH_PLATFORM_ONLY = define(
    "E0100000010", 403, "Only a platform shop's keys may call this, without Tenant-Shop-Id."
)

# --- Onboarding (02) ---------------------------------------------------------------
APPLICATION_NOT_EDITABLE = define(
    "E0200000001", 409, "The application cannot be changed in its current state."
)
APPLICATION_INCOMPLETE = define("E0200000002", 400, "The application is incomplete.")
INVALID_TRANSITION = define("E0200000003", 409, "This state change is not allowed.")
EMAIL_NOT_VERIFIED = define("E0200000004", 403, "Verify your e-mail address first.")
DOCUMENT_REJECTED = define("E0200000005", 400, "The document is not an accepted file.")
DOCUMENT_TOO_LARGE = define("E0200000006", 413, "The document is too large.")
KEY_NOT_FOUND = define("E0200000007", 404, "The API key was not found.")
LIVE_KEYS_NOT_ALLOWED = define("E0200000008", 409, "Live keys are issued only to approved, active merchants.")
ROLE_NOT_ALLOWED = define("E0200000009", 403, "Your role does not allow this.")
INVITATION_INVALID = define("E0200000010", 400, "The invitation is invalid, used or expired.")
MEMBER_EXISTS = define("E0200000011", 409, "This person is already a member or invited.")
LAST_OWNER = define("E0200000012", 409, "A merchant must keep at least one owner.")
DECISIONS_PENDING = define("E0200000013", 409, "Decide every requested payment method first.")

register_fields(
    "02",
    {
        "legal_name": 1,
        "legal_name_kana": 2,
        "corporate_number": 3,
        "representative_name": 4,
        "postal_code": 5,
        "address": 6,
        "phone": 7,
        "website": 8,
        "business_category": 9,
        "expected_monthly_volume": 10,
        "requested_methods": 11,
        "file": 12,
        "kind": 13,
        "email": 14,
        "role": 15,
        "password": 16,
        "name": 17,
        "mode": 18,
        "grace_hours": 19,
        "label": 20,
    },
)

# --- 3-D Secure 2 (area 13; the area's other codes are in payments/errors.py) -----------------
TDS_SERVER_MISSING = define(
    "E1300000006",
    400,
    "tds_type: 3-D Secure is not available in live mode: no 3-D Secure server is configured. "
    "Nothing was charged; contact support, or register the payment with tds_type 0.",
)
