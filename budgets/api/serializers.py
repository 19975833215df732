"""Shapes of the budgets API. Amounts are exact decimals, sent as strings."""

from __future__ import annotations

from rest_framework import serializers

from budgets.models import Anomaly, BudgetRequest

MONEY = {"max_digits": 30, "decimal_places": 12, "coerce_to_string": True, "normalize_output": True}


class MonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    plan = serializers.DecimalField(**MONEY)
    actual = serializers.DecimalField(**MONEY, allow_null=True)
    forecast = serializers.DecimalField(**MONEY, allow_null=True)
    cumulative_plan = serializers.DecimalField(**MONEY)
    cumulative_actual = serializers.DecimalField(**MONEY, allow_null=True)
    cumulative_forecast = serializers.DecimalField(**MONEY, allow_null=True)


class ForecastSerializer(serializers.Serializer):
    currency = serializers.CharField()
    as_of = serializers.DateField(allow_null=True, help_text="Last day with cost data.")
    status = serializers.ChoiceField(choices=["no_plan", "no_data", "within_budget", "at_risk", "exhausted"])
    sentence = serializers.CharField()
    plan_total = serializers.DecimalField(**MONEY)
    plan_to_date = serializers.DecimalField(**MONEY)
    actual_to_date = serializers.DecimalField(**MONEY)
    forecast_total = serializers.DecimalField(**MONEY)
    shortfall = serializers.DecimalField(**MONEY)
    exhausted_month = serializers.DateField(format="%Y-%m", allow_null=True)
    months_to_exhaustion = serializers.IntegerField(allow_null=True)
    months = MonthSerializer(many=True)


class ProjectSerializer(serializers.Serializer):
    id = serializers.CharField(source="project.public_id")
    name = serializers.CharField(source="project.name")
    currency = serializers.CharField(source="project.currency")
    sub_accounts = serializers.SerializerMethodField()
    status = serializers.CharField(source="forecast.status")
    plan_total = serializers.DecimalField(source="forecast.plan_total", **MONEY)
    actual_to_date = serializers.DecimalField(source="forecast.actual_to_date", **MONEY)
    forecast_total = serializers.DecimalField(source="forecast.forecast_total", **MONEY)
    exhausted_month = serializers.DateField(
        source="forecast.exhausted_month", format="%Y-%m", allow_null=True
    )
    open_anomalies = serializers.IntegerField()

    def get_sub_accounts(self, row) -> list[str]:
        return [a.sub_account_id for a in row["project"].accounts.all()]


class PlanMonthSerializer(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    amount = serializers.DecimalField(**MONEY)


class PlanVersionSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    total = serializers.DecimalField(**MONEY)
    reason = serializers.CharField()
    request_id = serializers.CharField(source="request.public_id", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    months = PlanMonthSerializer(many=True)


class ActualSerializer(serializers.Serializer):
    period = serializers.DateField()
    cost = serializers.DecimalField(**MONEY)


class AnomalySerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    start = serializers.DateField(source="start_date")
    service = serializers.CharField(source="service_name")
    expected = serializers.DecimalField(**MONEY)
    actual = serializers.DecimalField(**MONEY)
    monthly_impact = serializers.DecimalField(**MONEY)

    class Meta:
        model = Anomaly
        fields = [
            "id", "type", "scope", "start", "detected_on", "service", "resource_id", "sub_account_id", "region",
            "expected", "actual", "monthly_impact", "contributors", "explanation", "status", "answer",
            "answer_note", "answered_at",
        ]  # fmt: skip


class AnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=Anomaly.Answer.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class BudgetRequestSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id")
    amount = serializers.DecimalField(**MONEY)
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
