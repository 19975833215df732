"""Shapes of the budgets API. Amounts are exact decimals, sent as strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from budgets.models import Anomaly, BudgetRequest
from budgets.money import to_currency


@extend_schema_field(OpenApiTypes.STR)
class Amount(serializers.Field):
    """A decimal string rounded to the currency's minor unit (half up); the currency is read from
    ``currency`` (a dotted path on the same object)."""

    def __init__(self, *, currency: str = "currency", **kwargs: Any):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        self.currency_path = currency
        super().__init__(**kwargs)

    def get_attribute(self, instance: Any) -> Any:
        value = super().get_attribute(instance)
        currency: Any = instance
        try:
            for part in self.currency_path.split("."):
                currency = currency[part] if isinstance(currency, dict) else getattr(currency, part)
        except (KeyError, AttributeError):
            currency = self.context.get("currency", "USD")
        return (value, currency)

    def to_representation(self, value: Any) -> str | None:
        amount, currency = value
        if amount is None:
            return None
        return format(to_currency(Decimal(amount), currency), "f")


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    plan = Amount()
    actual = Amount()
    forecast = Amount()
    cumulative_plan = Amount()
    cumulative_actual = Amount()
    cumulative_forecast = Amount()
    cumulative_p10 = Amount(help_text="P10 of the cumulative forecast (80 % band).")
    cumulative_p90 = Amount(help_text="P90 of the cumulative forecast (80 % band).")


class ForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    as_of = serializers.DateField(allow_null=True, help_text="Last day with cost data.")
    status = serializers.ChoiceField(choices=["no_plan", "no_data", "within_budget", "at_risk", "exhausted"])
    sentence = serializers.CharField()
    plan_total = Amount()
    plan_to_date = Amount()
    actual_to_date = Amount()
    forecast_total = Amount()
    forecast_p10 = Amount(help_text="P10 of the forecast total: 8 in 10 outcomes fall between P10 and P90.")
    forecast_p90 = Amount(help_text="P90 of the forecast total.")
    run_rate = Amount(help_text="The usage forecast's daily level (bursts clipped).")
    month_level = Amount(help_text="Month-level charges (tax, fees, credits, commitments) of a usual month.")
    shortfall = Amount()
    exhausted_month = serializers.DateField(format="%Y-%m", allow_null=True)
    months_to_exhaustion = serializers.IntegerField(allow_null=True)
    notes = serializers.ListField(
        child=serializers.CharField(),
        help_text="Exchange rates used, or missing (those costs are not counted).",
    )
    months = MonthSerializer(many=True)

    def to_representation(self, instance: Any) -> dict:
        self.context["currency"] = instance.currency  # for the months' amounts
        return super().to_representation(instance)


class ProjectSerializer(serializers.Serializer):
    id = serializers.CharField(source="project.public_id")
    name = serializers.CharField(source="project.name")
    currency = serializers.CharField(source="project.currency")
    sub_accounts = serializers.SerializerMethodField()
    status = serializers.CharField(source="forecast.status")
    plan_total = Amount(source="forecast.plan_total", currency="project.currency")
    actual_to_date = Amount(source="forecast.actual_to_date", currency="project.currency")
    forecast_total = Amount(source="forecast.forecast_total", currency="project.currency")
    forecast_p10 = Amount(source="forecast.forecast_p10", currency="project.currency")
    forecast_p90 = Amount(source="forecast.forecast_p90", currency="project.currency")
    exhausted_month = serializers.DateField(
        source="forecast.exhausted_month", format="%Y-%m", allow_null=True
    )
    open_anomalies = serializers.IntegerField()

    def get_sub_accounts(self, row) -> list[str]:
        return [a.sub_account_id for a in row["project"].accounts.all()]


class PlanMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    amount = Amount(currency="version.project.currency")


class PlanVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    total = Amount(currency="project.currency")
    reason = serializers.CharField()
    request_id = serializers.CharField(source="request.public_id", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    months = PlanMonthSerializer(many=True)


class UnconvertedSerializer(serializers.Serializer):
    currency = serializers.CharField(help_text="The billing currency, without a rate to the project's.")
    month = serializers.DateField(format="%Y-%m")
    cost = Amount(help_text="Billed cost left out, in its billing currency.")


class UnconvertedCostSerializer(UnconvertedSerializer):
    effective_cost = Amount(help_text="Effective cost left out, in its billing currency.")


_UNCONVERTED_HELP = (
    "Costs billed in another currency whose month has no rate to the project's currency: not counted in "
    "the amounts above, listed here per currency and month (empty: everything is counted)."
)
_WARNING_HELP = "The missing rates and the amounts left out, in one sentence; null when nothing is left out."


class ActualSerializer(serializers.Serializer):
    period = serializers.DateField()
    cost = Amount(help_text="In the project's currency (converted by the month's rate), rounded to it.")
    unconverted = UnconvertedSerializer(many=True, help_text=_UNCONVERTED_HELP)
    warning = serializers.CharField(allow_null=True, help_text=_WARNING_HELP)


class AnomalySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    start = serializers.DateField(source="start_date")
    service = serializers.CharField(source="service_name")
    expected = Amount(currency="project.currency")
    actual = Amount(currency="project.currency")
    monthly_impact = Amount(currency="project.currency")
    suppressed_by = serializers.CharField(source="suppressed_by.public_id", allow_null=True, default=None)

    class Meta:
        model = Anomaly
        fields = [
            "id", "type", "scope", "start", "detected_on", "service", "resource_id", "sub_account_id", "region",
            "expected", "actual", "monthly_impact", "contributors", "explanation", "status", "answer",
            "answer_note", "answered_at", "suppressed_by",
        ]  # fmt: skip


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Anomaly.Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class BudgetRequestSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    amount = Amount()
    start_month = serializers.DateField(format="%Y-%m")

    class Meta:
        model = BudgetRequest
        fields = [
            "id", "kind", "status", "amount", "currency", "start_month", "months", "schedule", "purpose",
            "decided_at", "decision_note", "created_at",
        ]  # fmt: skip


class BudgetRequestCreateSerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='Decimal string in the currency, e.g. "1200000".')
    currency = serializers.CharField(max_length=3)
    start_month = serializers.CharField(help_text="YYYY-MM")
    months = serializers.IntegerField()
    purpose = serializers.CharField(max_length=5000)
    schedule = serializers.ListField(child=serializers.CharField(), required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=BudgetRequest.Kind.choices, default=BudgetRequest.Kind.ADDITIONAL)


class DecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=["approve", "reject"])
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CostRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="The group's value (a service, a month's first day, a tag value …)."
    )
    cost = Amount(help_text="Billed cost, in the project's currency.")
    effective_cost = Amount(help_text="Effective (amortized) cost.")
    unconverted = UnconvertedCostSerializer(many=True, help_text=_UNCONVERTED_HELP)
    warning = serializers.CharField(allow_null=True, help_text=_WARNING_HELP)
