"""The ``budget_report --json`` document: per project plan, actual, forecast and anomalies."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from budgets import selectors
from budgets.models import Project
from budgets.money import plain


def number(amount: Decimal, places: int | None = None) -> Decimal:
    """An exact decimal for JSON: rounded to ``places`` when given, without exponent or trailing zeros."""
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return Decimal(plain(amount) or "0")


def report_data(projects: list[Project] | None = None) -> list[dict[str, Any]]:
    projects = list(projects if projects is not None else Project.objects.order_by("name"))
    forecasts = selectors.project_forecasts(projects)
    anomalies: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in projects}
    for anomaly in selectors.reportable_anomalies([p.pk for p in projects]).order_by(
        "start_date", "type", "pk"
    ):
        anomalies[anomaly.project_id].append(
            {
                "type": anomaly.type,
                "start": anomaly.start_date.isoformat(),
                "service": anomaly.service_name or None,
                "resource_id": anomaly.resource_id or None,
                "sub_account_id": anomaly.sub_account_id or None,
                "expected": number(anomaly.expected, 2),
                "actual": number(anomaly.actual, 2),
            }
        )
    out = []
    for project in projects:
        forecast = forecasts[project.pk]
        out.append(
            {
                "name": project.name,
                "plan_total": number(forecast.plan_total),
                "actual_to_date": number(forecast.actual_to_date),
                "forecast_total": number(forecast.forecast_total, 2),
                "exhausted_month": forecast.exhausted_month.strftime("%Y-%m")
                if forecast.exhausted_month
                else None,
                "anomalies": anomalies[project.pk],
            }
        )
    return out


def dumps(data: Any, indent: int | None = 2) -> str:
    """JSON with Decimals written as exact numbers (never through float)."""
    literals: list[str] = []

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            literals.append(format(value, "f"))
            return f"\u0000{len(literals) - 1}\u0000"
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    text = json.dumps(data, default=default, indent=indent, ensure_ascii=False)
    for index, literal in enumerate(literals):
        text = text.replace(f'"\\u0000{index}\\u0000"', literal, 1)
    return text
