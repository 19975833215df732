"""Reads of the merchant overview: sales, counts, approval rate, the 30-day chart, webhook health, alerts.

The payment figures come from one aggregate query (per day, currency, method and shown status);
webhook health from one more. Money stays integer minor units per currency. These are reports:
they read from ``portal.replica.reporting_db()`` (the replica when one is configured and has
what this session wrote; the primary otherwise).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, Case, Count, F, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from payments import labels
from payments.models import Payment, Status
from payments.selectors_list import declined_q
from payments.webhooks.models import WebhookDelivery
from portal.models import ApiKey, Contract, Merchant
from portal.replica import reporting_db

logger = logging.getLogger(__name__)

CHART_DAYS = 30
KEY_EXPIRY_WARNING = timedelta(days=14)
WEBHOOK_WINDOW = timedelta(days=7)
APPROVED = (Status.AUTHORIZED, Status.CAPTURED)


@dataclass(frozen=True)
class ChartDay:
    day: date
    amount: int


@dataclass(frozen=True)
class EndpointHealth:
    setting_id: str
    url: str
    event: str
    total: int
    delivered: int
    failed: int
    retrying: int

    @property
    def failing(self) -> bool:
        return self.failed > 0 or self.retrying > 0


@dataclass(frozen=True)
class Alert:
    kind: str  # "key", "webhook", "contract"
    text: str
    url_name: str = ""  # a page of portal.urls.merchant_pages
    query: str = ""


@dataclass
class Overview:
    mode: str
    today: date
    month_start: date
    sales_today: dict[str, int] = field(default_factory=dict)
    sales_month: dict[str, int] = field(default_factory=dict)
    count_today: int = 0
    count_month: int = 0
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_method: list[tuple[str, int]] = field(default_factory=list)
    approved: int = 0
    declined: int = 0
    chart_currency: str = "JPY"
    chart: list[ChartDay] = field(default_factory=list)
    endpoints: list[EndpointHealth] = field(default_factory=list)

    @property
    def attempted(self) -> int:
        return self.approved + self.declined

    @property
    def approval_rate(self) -> str:
        """Approved over attempted as a percent with one decimal, rounded half up, integers only."""
        if not self.attempted:
            return "—"
        tenths = (self.approved * 2000 + self.attempted) // (2 * self.attempted)
        return f"{tenths // 10}.{tenths % 10}%"

    @property
    def failing_endpoints(self) -> list[EndpointHealth]:
        return [e for e in self.endpoints if e.failing]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _payment_groups(*, merchant: Merchant, mode: str, since: date, using: str) -> QuerySet:
    """One aggregate query: payments since ``since`` per local day, currency, method, status, declined."""
    tz = timezone.get_current_timezone()
    return (
        Payment.objects.using(using)
        .filter(merchant=merchant, mode=mode, created__gte=_midnight(since))
        .annotate(
            day=TruncDate("created", tzinfo=tz),
            declined=Case(
                When(declined_q(), then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
        )
        .values("day", "currency", "pay_type", "status", "declined")
        .annotate(count=Count("id"), amount=Sum(F("amount") + F("tax")))
        .order_by()
    )


def _webhook_health(*, merchant: Merchant, mode: str, now: datetime, using: str) -> list[EndpointHealth]:
    """The second query: per webhook endpoint, its deliveries of the last 7 days by outcome."""
    rows = (
        WebhookDelivery.objects.using(using)
        .filter(
            setting__merchant=merchant,
            setting__mode=mode,
            setting__deleted_at__isnull=True,
            created_at__gte=now - WEBHOOK_WINDOW,
        )
        .values("setting__setting_id", "setting__url", "setting__event")
        .annotate(
            total=Count("id"),
            delivered=Count("id", filter=Q(status=WebhookDelivery.Status.DELIVERED)),
            failed=Count("id", filter=Q(status=WebhookDelivery.Status.FAILED)),
            retrying=Count("id", filter=Q(status=WebhookDelivery.Status.PENDING, attempts__gt=0)),
        )
        .order_by("setting__event", "setting__url")
    )
    return [
        EndpointHealth(
            setting_id=r["setting__setting_id"],
            url=r["setting__url"],
            event=r["setting__event"],
            total=r["total"],
            delivered=r["delivered"],
            failed=r["failed"],
            retrying=r["retrying"],
        )
        for r in rows
    ]


def merchant_overview(*, merchant: Merchant, mode: str, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    db = reporting_db()
    today = timezone.localdate(now)
    month_start = today.replace(day=1)
    first_chart_day = today - timedelta(days=CHART_DAYS - 1)
    overview = Overview(mode=mode, today=today, month_start=month_start)
    by_status: dict[str, int] = defaultdict(int)
    by_method: dict[str, int] = defaultdict(int)
    captured_by_day: dict[tuple[str, date], int] = defaultdict(int)
    captured_by_currency: dict[str, int] = defaultdict(int)
    since = min(month_start, first_chart_day)
    for row in _payment_groups(merchant=merchant, mode=mode, since=since, using=db):
        day, currency, count, amount = row["day"], row["currency"], row["count"], row["amount"] or 0
        shown = labels.DECLINED if row["declined"] else row["status"]
        if row["status"] == Status.CAPTURED:
            captured_by_day[(currency, day)] += amount
            if day == today:
                overview.sales_today[currency] = overview.sales_today.get(currency, 0) + amount
        if day < month_start:
            continue
        overview.count_month += count
        if day == today:
            overview.count_today += count
        by_status[shown] += count
        by_method[row["pay_type"]] += count
        if shown in APPROVED:
            overview.approved += count
        elif shown == labels.DECLINED:
            overview.declined += count
        if row["status"] == Status.CAPTURED:
            overview.sales_month[currency] = overview.sales_month.get(currency, 0) + amount
    for (currency, day), amount in captured_by_day.items():
        if day >= first_chart_day:
            captured_by_currency[currency] += amount
    if captured_by_currency:
        overview.chart_currency = max(sorted(captured_by_currency), key=lambda c: captured_by_currency[c])
    overview.chart = [
        ChartDay(day=day, amount=captured_by_day.get((overview.chart_currency, day), 0))
        for day in (first_chart_day + timedelta(days=n) for n in range(CHART_DAYS))
    ]
    order = {value: n for n, (value, _) in enumerate(labels.status_choices())}
    overview.by_status = sorted(by_status.items(), key=lambda kv: order.get(kv[0], 99))
    overview.by_method = sorted(by_method.items(), key=lambda kv: (-kv[1], kv[0]))
    overview.endpoints = _webhook_health(merchant=merchant, mode=mode, now=now, using=db)
    return overview


def merchant_alerts(
    *, merchant: Merchant, mode: str, overview: Overview, now: datetime | None = None
) -> list[Alert]:
    """What needs the merchant's attention: keys about to expire, failing webhooks, contract limits."""
    now = now or timezone.now()
    db = reporting_db()
    alerts = []
    keys = ApiKey.objects.using(db)
    expiring = keys.filter(
        merchant=merchant,
        revoked_at__isnull=True,
        expires_at__gt=now,
        expires_at__lte=now + KEY_EXPIRY_WARNING,
    ).order_by("expires_at")
    for key in expiring:
        alerts.append(
            Alert(
                kind="key",
                text=_("API key %(key)s (%(mode)s %(kind)s) expires on %(when)s.")
                % {
                    "key": key.masked,
                    "mode": key.get_mode_display().lower(),
                    "kind": key.get_kind_display().lower(),
                    "when": f"{timezone.localtime(key.expires_at):%Y-%m-%d %H:%M}",
                },
                url_name="merchant-keys",
            )
        )
    for endpoint in overview.failing_endpoints:
        alerts.append(
            Alert(
                kind="webhook",
                text=_(
                    "Webhook %(event)s → %(url)s: %(failed)s failed and %(retrying)s retrying"
                    " of %(total)s deliveries in 7 days."
                )
                % {
                    "event": endpoint.event,
                    "url": endpoint.url,
                    "failed": endpoint.failed,
                    "retrying": endpoint.retrying,
                    "total": endpoint.total,
                },
                url_name="merchant-webhooks",
                query=f"mode={mode}&status=failed",
            )
        )
    for contract in Contract.objects.using(db).filter(merchant=merchant, status=Contract.Status.SUSPENDED):
        alerts.append(
            Alert(
                kind="contract",
                text=_("The %(method)s contract is suspended.") % {"method": contract.get_pay_type_display()},
                url_name="merchant-application",
            )
        )
    for (pay_type, reason), count in _admission_refusals(merchant=merchant, mode=mode).items():
        alerts.append(
            Alert(
                kind="contract",
                text=_(
                    "%(pay_type)s: %(count)s payment session(s) refused in the last 5 minutes"
                    " — contract limit reached: %(reason)s."
                )
                % {"pay_type": pay_type, "count": count, "reason": reason},
            )
        )
    return alerts


def _admission_refusals(*, merchant: Merchant, mode: str) -> dict[tuple[str, str], int]:
    """Refusals by admission control (the contract's traffic limits) recorded in Redis, if reachable.

    Its stats fields read ``refused:<pay type>:<reason>``; keyed here by (pay type, reason text).
    """
    from payments.admission import controller

    try:
        stats = controller.recent_stats(merchant=merchant.public_id, mode=mode)
    except Exception:  # Redis down or unreadable: the overview shows what it can
        logger.warning("overview: admission stats unavailable", exc_info=True)
        return {}
    refusals: dict[tuple[str, str], int] = defaultdict(int)
    for name, count in sorted(stats.items()):
        kind, _, rest = name.partition(":")
        pay_type, _, reason = rest.partition(":")
        if kind == "refused" and count > 0:
            refusals[(pay_type, controller.REASONS.get(reason, reason))] += count
    return dict(refusals)


def recent_payments(*, merchant: Merchant, mode: str, limit: int = 10) -> list[Payment]:
    return list(
        Payment.objects.using(reporting_db())
        .filter(merchant=merchant, mode=mode)
        .select_related("customer")
        .order_by("-created", "-id")[:limit]
    )
