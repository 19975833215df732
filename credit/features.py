"""The feature registry: every feature a rule may name, with its store, type and freshness.

Stores (where the value is fetched from on the hot path):

* ``application`` — derived from the request itself;
* ``postgres``    — the buyer's history (exposures, invoices, first seen);
* ``redis``       — velocity counters and block/allow sets, one pipelined round trip;
* ``document``    — cached external (bureau-style) data per buyer, PostgreSQL JSONB;
* ``similarity``  — nearest known-fraud names/addresses (ANN index over character n-grams);
* ``model``       — the scikit-learn score.

Every feature always has a value (no nulls), so every operator has one
meaning and a negated condition is the exact complement of the condition.
"""

from __future__ import annotations

from dataclasses import dataclass

NUMBER, BOOL, STRING = "number", "bool", "string"

# Operators allowed per feature type.
OPERATORS: dict[str, frozenset[str]] = {
    NUMBER: frozenset({"==", "!=", ">", ">=", "<", "<=", "in", "not_in"}),
    BOOL: frozenset({"==", "!=", "in", "not_in"}),
    STRING: frozenset({"==", "!=", "in", "not_in"}),
}
ALL_OPERATORS = frozenset().union(*OPERATORS.values())


@dataclass(frozen=True)
class Feature:
    name: str
    type: str
    store: str
    freshness: str
    description: str
    default: object = 0


_F = Feature
VELOCITY_WINDOWS = {"1h": 3600, "24h": 86400, "30d": 30 * 86400}
VELOCITY_KEYS = ("phone", "email", "address", "device", "ip")

FEATURES: dict[str, Feature] = {
    f.name: f
    for f in [
        _F("order_amount", NUMBER, "application", "per request", "Order amount in JPY (integer yen)."),
        _F("item_count", NUMBER, "application", "per request", "Total quantity of items ordered."),
        _F(
            "max_item_amount",
            NUMBER,
            "application",
            "per request",
            "Highest line amount (unit price × quantity).",
        ),
        _F(
            "buyer_age",
            NUMBER,
            "application",
            "per request",
            "Buyer's age in whole years on the check date (JST).",
        ),
        _F(
            "prefecture",
            STRING,
            "application",
            "per request",
            "Prefecture from the billing postal code, in English ('Tokyo', 'Osaka', …); '' if unknown.",
            "",
        ),
        _F(
            "shipping_prefecture",
            STRING,
            "application",
            "per request",
            "Prefecture from the shipping postal code (billing one when no shipping address).",
            "",
        ),
        _F(
            "email_domain",
            STRING,
            "application",
            "per request",
            "Lower-cased domain of the buyer's e-mail.",
            "",
        ),
        _F(
            "shipping_differs",
            BOOL,
            "application",
            "per request",
            "Shipping postal code or address differs from the billing one.",
            False,
        ),
        _F("order_hour", NUMBER, "application", "per request", "Hour of the check in Japan time (0–23)."),
        *[
            _F(
                f"{key}_apps_{window}",
                NUMBER,
                "redis",
                "real time",
                f"Credit checks with this {key} in the last {window}, this one included (per mode).",
            )
            for key in VELOCITY_KEYS
            for window in VELOCITY_WINDOWS
        ],
        _F(
            "in_blocklist",
            BOOL,
            "redis",
            "real time",
            "Phone, e-mail, address, device or IP is on the blocklist.",
            False,
        ),
        _F(
            "in_allowlist",
            BOOL,
            "redis",
            "real time",
            "Phone, e-mail, address, device or IP is on the allowlist.",
            False,
        ),
        _F("unpaid_amount", NUMBER, "postgres", "real time", "Invoiced, not yet paid (JPY)."),
        _F("overdue_count", NUMBER, "postgres", "real time", "Unpaid invoices past their due date."),
        _F("open_invoice_count", NUMBER, "postgres", "real time", "Unpaid invoices."),
        _F("paid_invoice_count", NUMBER, "postgres", "real time", "Invoices paid so far."),
        _F(
            "open_exposure",
            NUMBER,
            "postgres",
            "real time",
            "Unpaid invoices plus open authorizations (JPY), before this order.",
        ),
        _F(
            "days_since_first_seen",
            NUMBER,
            "postgres",
            "real time",
            "Days since the buyer (phone) was first checked; 0 for a new buyer.",
        ),
        _F(
            "bureau_score",
            NUMBER,
            "document",
            "cached, refreshed after 30 days",
            "Bureau-style score 0–999 from the cached external report; 0 when there is none.",
        ),
        _F(
            "bureau_defaults",
            NUMBER,
            "document",
            "cached, refreshed after 30 days",
            "Defaults recorded by the bureau; 0 when there is no report.",
        ),
        _F(
            "bureau_age_days",
            NUMBER,
            "document",
            "cached, refreshed after 30 days",
            "Age of the cached bureau report in days; -1 when there is none.",
            -1,
        ),
        _F(
            "fraud_similarity",
            NUMBER,
            "similarity",
            "index rebuilt on change",
            "Highest similarity (0–1) of the buyer's name or address to a known-fraud entry.",
        ),
        _F("ml_score", NUMBER, "model", "per request", "Probability of default (0–1) from the live model."),
    ]
}
REQUIRED_FEATURES = (
    "order_amount", "item_count", "buyer_age", "prefecture", "email_domain", "shipping_differs",
    "phone_apps_1h", "phone_apps_24h", "email_apps_24h", "address_apps_30d", "device_apps_24h",
    "unpaid_amount", "overdue_count", "open_exposure", "days_since_first_seen", "in_blocklist",
    "fraud_similarity", "ml_score",
)  # fmt: skip

assert set(REQUIRED_FEATURES) <= set(FEATURES)


def registry_rows() -> list[dict]:
    """The registry as plain rows (docs, admin condition builder)."""
    return [
        {
            "name": f.name,
            "type": f.type,
            "store": f.store,
            "freshness": f.freshness,
            "description": f.description,
            "operators": sorted(OPERATORS[f.type]),
        }
        for f in FEATURES.values()
    ]
