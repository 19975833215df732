"""Error codes of bulk payments (area 21; see /docs/errors/)."""

from portal.errors import define, register_fields

AREA = "21"

BULK_NOT_FOUND = define("E2100000001", 404, "The bulk payment was not found.")
BULK_NOT_DELETABLE = define(
    "E2100000002", 409, "Only a bulk payment waiting for its process plan date (CHECKED) can be deleted."
)
FILE_UNREADABLE = define(
    "E2100000003",
    400,
    'file: neither a JSON object {"data": […]} nor a UTF-8 CSV file with a header line.',
)
FILE_EMPTY = define("E2100000004", 400, "file: it holds no payments.")
FILE_TOO_LARGE = define("E2100000005", 400, "file: too many payments or bytes in one file.")
PROCESS_PLAN_DATE_PAST = define(
    "E2100000006", 400, "process_plan_date: it must be today or later (Japan time)."
)
ORDER_ID_TWICE = define("E2100000007", 400, "id: the order id appears on an earlier line of the file.")
ORDER_ID_USED = define("E2100000008", 400, "id: a payment or another bulk payment has this order id.")
COLUMN_UNKNOWN = define("E2100000009", 400, "file: a column or key that bulk payments do not take.")

register_fields(
    AREA,
    {
        "file": 1, "pay_type": 2, "process_plan_date": 3, "id": 4, "amount": 5, "tax": 6, "customer_id": 7,
        "card_id": 8, "client_field_1": 9, "client_field_2": 10, "client_field_3": 11, "page": 12,
        "limit": 13, "count_only": 14, "sort": 15, "status": 16, "file_name": 17, "delete_flag": 18,
        "process_plan_date_from": 19, "process_plan_date_to": 20, "created_from": 21, "created_to": 22,
        "order_id": 23,
    },
)  # fmt: skip
LINE_FAILED = define("E2100000010", 400, "The line's payment failed.")
