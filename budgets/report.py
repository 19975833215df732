"""The ``budget_report --json`` document: per project plan, actual, forecast and anomalies."""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from budgets import selectors
from budgets.models import Project
from budgets.money import minor_units, plain


def number(amount: Decimal, places: int | None = None) -> Decimal:
    """An exact decimal for JSON: rounded to ``places`` when given, without exponent or trailing zeros."""
    if places is not None:
        amount = amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return Decimal(plain(amount) or "0")


def report_data(projects: list[Project] | None = None, *, status: str = "all") -> list[dict[str, Any]]:
    """Per project: plan, actual, forecast (with its band) and anomalies — suppressed ones too, with
    their status, unless ``status`` filters them."""
    projects = list(projects if projects is not None else Project.objects.order_by("name"))
    forecasts = selectors.project_forecasts(projects)
    anomalies: dict[int, list[dict[str, Any]]] = {p.pk: [] for p in projects}
    for anomaly in selectors.anomalies_list([p.pk for p in projects], status=status).order_by(
        "start_date", "type", "pk"
    ):
        anomalies[anomaly.project_id].append(
            {
                "type": anomaly.type,
                "start": anomaly.start_date.isoformat(),
                "service": anomaly.service_name or None,
                "resource_id": anomaly.resource_id or None,
                "sub_account_id": anomaly.sub_account_id or None,
                "expected": number(anomaly.expected, minor_units(anomaly.project.currency)),
                "actual": number(anomaly.actual, minor_units(anomaly.project.currency)),
                "monthly_impact": number(anomaly.monthly_impact, minor_units(anomaly.project.currency)),
                "status": anomaly.status,
                "answer": anomaly.answer or None,
                "suppressed_by": anomaly.suppressed_by.public_id if anomaly.suppressed_by else None,
            }
        )
    out = []
    for project in projects:
        forecast = forecasts[project.pk]
        places = minor_units(project.currency)  # amounts rounded to the currency (JPY: yen, USD: cents)
        out.append(
            {
                "name": project.name,
                "plan_total": number(forecast.plan_total, places),
                "actual_to_date": number(forecast.actual_to_date, places),
                "currency": project.currency,
                "forecast_total": number(forecast.forecast_total, places),
                "forecast_p10": number(forecast.forecast_p10, places)
                if forecast.forecast_p10 is not None
                else None,
                "forecast_p90": number(forecast.forecast_p90, places)
                if forecast.forecast_p90 is not None
                else None,
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
