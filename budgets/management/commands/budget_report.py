"""Per project: plan, actual to date, forecast, the month the budget runs out and the anomalies."""

from django.core.management.base import BaseCommand

from budgets.report import dumps, report_data


class Command(BaseCommand):
    help = "Budget vs. actual per project, with forecast and anomalies (--json for scripts)."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="print a JSON list, one object per project")
        parser.add_argument(
            "--status",
            choices=["all", "open", "answered", "suppressed"],
            default="all",
            help="which anomalies to list (default all: suppressed ones are listed with their status)",
        )

    def handle(self, *args, **options):
        data = report_data(status=options["status"])
        if options["json"]:
            self.stdout.write(dumps(data))
            return
        for item in data:
            self.stdout.write(
                f"{item['name']}: plan {item['plan_total']}, actual {item['actual_to_date']}, "
                f"forecast {item['forecast_total']}, exhausted {item['exhausted_month'] or '-'}, "
                f"{len(item['anomalies'])} anomalies"
            )
            for anomaly in item["anomalies"]:
                self.stdout.write(
                    f"  {anomaly['start']} {anomaly['type']} {anomaly['service'] or ''} "
                    f"{anomaly['resource_id'] or ''} expected {anomaly['expected']} actual {anomaly['actual']} "
                    f"[{anomaly['status']}]"
                )
