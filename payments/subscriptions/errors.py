"""Error codes of plans and subscriptions (area 17; see /docs/errors/)."""

from portal.errors import define, register_fields

PLAN_NOT_FOUND = define("E1700000001", 404, "The plan was not found.")
PLAN_EXISTS = define("E1700000002", 409, "id: a plan with this id already exists.")
PLAN_IN_USE = define(
    "E1700000003", 409, "The plan has subscriptions that are not canceled; cancel them before deleting it."
)
SUBSCRIPTION_NOT_FOUND = define("E1700000004", 404, "The subscription was not found.")
SUBSCRIPTION_EXISTS = define("E1700000005", 409, "id: a subscription with this id already exists.")
SUBSCRIPTION_CANCELED = define("E1700000006", 409, "The subscription is canceled; it cannot be changed.")
START_DATE_PAST = define("E1700000007", 400, "start_date: it must be today or later (Japan time).")
STOP_BEFORE_START = define("E1700000008", 400, "stop_date: it must not be before start_date.")
PLAN_DELETED = define("E1700000009", 400, "plan_id: the plan is deleted.")
PAY_TYPE_FIELD_MISMATCH = define(
    "E1700000010", 400, "card_id is for pay_type Card, payment_method_id for Directdebit."
)
SUBSCRIPTION_RUNNING = define(
    "E1700000011", 409, "The subscription is being charged right now; retry in a moment."
)
START_DATE_LOCKED = define(
    "E1700000012", 400, "start_date: it cannot change once the subscription has been charged."
)
START_DATE_NOT_CHARGEABLE = define(
    "E1700000014", 400, "start_date: the pay type cannot be charged on that day."
)
CUSTOMER_SUBSCRIBED = define(
    "E1700000015", 409, "The customer has subscriptions that are not canceled; cancel them first."
)
CARD_SUBSCRIBED = define(
    "E1700000016", 409, "Subscriptions that are not canceled charge this card; change or cancel them first."
)

register_fields(
    "17",
    {
        "id": 1, "plan_name": 2, "description": 3, "amount": 4, "tax": 5, "interval_pattern": 6,
        "interval_count": 7, "pay_type": 8, "plan_id": 9, "customer_id": 10, "card_id": 11,
        "payment_method_id": 12, "start_date": 13, "stop_date": 14, "end_month_flag": 15,
        "initial_amount": 16, "initial_tax": 17, "remarks": 18, "client_field_1": 19, "client_field_2": 20,
        "client_field_3": 21, "send_url": 22, "page": 23, "limit": 24, "count_only": 25, "sort": 26,
        "status": 27, "total_amount_min": 28, "total_amount_max": 29, "update_date_from": 30,
        "update_date_to": 31, "delete_flag": 32, "start_date_from": 33, "start_date_to": 34,
        "stop_date_from": 35, "stop_date_to": 36, "next_charge_date_from": 37, "next_charge_date_to": 38,
    },
)  # fmt: skip
