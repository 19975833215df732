"""Reads of the merchant payments page: validated filters, the filtered list, its totals and CSV rows.

Filters come from the page's query string. A value that does not parse (a date that is not
``YYYY-MM-DD``, an amount that is not a whole number…) is ignored and named in ``problems``,
which the page shows: never a 500.

The list, its totals and the CSV export are reports: they read from
``portal.replica.reporting_db()`` (the replica when one is configured and has what this
session wrote; the primary otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from payments import labels
from payments.models import Payment
from portal.models import Merchant, Mode
from portal.pay_types import pay_type_choices
from portal.replica import reporting_db

MAX_AMOUNT = 10**15  # beyond any real total (bigint), so a huge input cannot overflow the query


class PaymentFilterForm(forms.Form):
    mode = forms.ChoiceField(choices=Mode.choices, required=False)
    date_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label=gettext_lazy("Date from"))
    date_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"], label=gettext_lazy("Date to"))
    amount_min = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_AMOUNT, label=gettext_lazy("Amount from")
    )
    amount_max = forms.IntegerField(
        required=False, min_value=0, max_value=MAX_AMOUNT, label=gettext_lazy("Amount to")
    )
    status = forms.ChoiceField(required=False, choices=labels.status_choices, label=gettext_lazy("Status"))
    pay_type = forms.ChoiceField(required=False, choices=pay_type_choices, label=gettext_lazy("Method"))
    customer = forms.CharField(required=False, max_length=60, label=gettext_lazy("Customer id"))
    last4 = forms.RegexField(
        required=False,
        regex=r"^[0-9]{4}$",
        label=gettext_lazy("Card last four"),
        error_messages={"invalid": gettext_lazy("4 digits")},
    )
    q = forms.CharField(required=False, max_length=60, label=gettext_lazy("Order id"))


@dataclass(frozen=True)
class PaymentFilters:
    mode: str = Mode.TEST
    date_from: date | None = None
    date_to: date | None = None
    amount_min: int | None = None
    amount_max: int | None = None
    status: str = ""
    pay_type: str = ""
    customer: str = ""
    last4: str = ""
    q: str = ""
    problems: tuple[str, ...] = field(default=())

    def query(self, **changes: Any) -> dict[str, str]:
        """The query string of these filters (with ``changes``), for links and the CSV export."""
        values = {
            "mode": self.mode,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "amount_min": "" if self.amount_min is None else str(self.amount_min),
            "amount_max": "" if self.amount_max is None else str(self.amount_max),
            "status": self.status,
            "pay_type": self.pay_type,
            "customer": self.customer,
            "last4": self.last4,
            "q": self.q,
        }
        values.update({k: "" if v is None else str(v) for k, v in changes.items()})
        return {k: v for k, v in values.items() if v}


def payment_filters_parse(*, params: Any) -> PaymentFilters:
    """Validated filters of a query string; invalid values are dropped and named in ``problems``."""
    names = PaymentFilterForm.base_fields
    form = PaymentFilterForm({k: params.get(k, "") for k in names})
    form.is_valid()
    problems = []
    for name, messages in form.errors.items():
        label = names[name].label or name.replace("_", " ").capitalize()
        problems.append(
            _("%(field)s: %(errors)s — ignored.")
            % {"field": label, "errors": " ".join(str(m) for m in messages)}
        )
    data = {name: form.cleaned_data.get(name) for name in names}
    date_from, date_to = data["date_from"], data["date_to"]
    if date_from and date_to and date_from > date_to:
        problems.append(_("Date from is after date to — the dates were swapped."))
        date_from, date_to = date_to, date_from
    amount_min, amount_max = data["amount_min"], data["amount_max"]
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        problems.append(_("Amount from is above amount to — the amounts were swapped."))
        amount_min, amount_max = amount_max, amount_min
    return PaymentFilters(
        mode=data["mode"] or Mode.TEST,
        date_from=date_from,
        date_to=date_to,
        amount_min=amount_min,
        amount_max=amount_max,
        status=data["status"] or "",
        pay_type=data["pay_type"] or "",
        customer=(data["customer"] or "").strip(),
        last4=data["last4"] or "",
        q=(data["q"] or "").strip(),
        problems=tuple(problems),
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def declined_q() -> Q:
    """Payments the pages show as Declined (``labels.display_status``)."""
    return Q(status__in=labels.DECLINABLE, error_code__isnull=False) & ~Q(error_code="")


def status_q(status: str) -> Q:
    if status == labels.DECLINED:
        return declined_q()
    if status in labels.DECLINABLE:
        return Q(status=status) & ~declined_q()
    return Q(status=status)


def payment_list_filter(*, merchant: Merchant, filters: PaymentFilters) -> QuerySet[Payment]:
    """The merchant's payments matching ``filters``, newest first (on the reporting database)."""
    payments = Payment.objects.using(reporting_db()).filter(merchant=merchant, mode=filters.mode)
    if filters.date_from:
        payments = payments.filter(created__gte=_local_midnight(filters.date_from))
    if filters.date_to:
        payments = payments.filter(created__lt=_local_midnight(filters.date_to + timedelta(days=1)))
    if filters.amount_min is not None or filters.amount_max is not None:
        payments = payments.alias(total=F("amount") + F("tax"))
        if filters.amount_min is not None:
            payments = payments.filter(total__gte=filters.amount_min)
        if filters.amount_max is not None:
            payments = payments.filter(total__lte=filters.amount_max)
    if filters.status:
        payments = payments.filter(status_q(filters.status))
    if filters.pay_type:
        payments = payments.filter(pay_type=filters.pay_type)
    if filters.customer:
        payments = payments.filter(customer__customer_id=filters.customer)
    if filters.last4:
        payments = payments.filter(card_no__endswith=filters.last4)
    if filters.q:
        payments = payments.filter(Q(order_id__startswith=filters.q) | Q(access_id=filters.q))
    return payments.order_by("-created", "-id")


@dataclass(frozen=True)
class CurrencyTotal:
    currency: str
    count: int
    amount: int


def payment_list_totals(*, payments: QuerySet[Payment]) -> list[CurrencyTotal]:
    """Count and total (amount + tax) of a filtered list per currency: one aggregate query."""
    rows = (
        payments.order_by()
        .values("currency")
        .annotate(count=Count("id"), amount=Sum(F("amount") + F("tax")))
        .order_by("currency")
    )
    return [CurrencyTotal(r["currency"], r["count"], r["amount"] or 0) for r in rows]


CSV_HEADER = [
    "order_id", "access_id", "created", "mode", "pay_type", "status", "status_label", "error_code",
    "error_message", "amount", "tax", "total", "currency", "total_formatted", "card_brand",
    "card_last4", "customer_id", "process_date",
]  # fmt: skip

_CSV_COLUMNS = [
    "order_id", "access_id", "created", "mode", "pay_type", "status", "error_code", "amount", "tax",
    "currency", "brand", "card_no", "customer__customer_id", "process_date",
]  # fmt: skip


def _cell(value: Any) -> Any:
    """A spreadsheet must not run a merchant-chosen text (order id…) as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def payment_csv_rows(*, payments: QuerySet[Payment]) -> Iterator[list[Any]]:
    """The CSV export of a filtered list: the header, then one row per payment, read in chunks.

    Cards appear as brand and last four digits only.
    """
    yield CSV_HEADER
    for row in payments.values(*_CSV_COLUMNS).iterator(chunk_size=2000):
        status = labels.display_status(status=row["status"], error_code=row["error_code"])
        total = row["amount"] + row["tax"]
        card_no = row["card_no"] or ""
        yield [
            _cell(value)
            for value in (
                row["order_id"],
                row["access_id"],
                _when(row["created"]),
                row["mode"],
                row["pay_type"],
                status,
                labels.status_label(status),
                row["error_code"] or "",
                labels.error_message(row["error_code"]),
                row["amount"],
                row["tax"],
                total,
                row["currency"],
                labels.amount_format(total, row["currency"]),
                row["brand"] or "",
                card_no[-4:] if len(card_no) >= 4 else "",
                row["customer__customer_id"] or "",
                _when(row["process_date"]),
            )
        ]
