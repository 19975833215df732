"""Demo budgets: a few projects with five months of generated costs, anomalies and a finance user."""

import tempfile
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.utils import timezone

from budgets import services
from budgets.importing import cost_import_create, cost_import_run
from budgets.models import Project
from budgets.scanning import projects_scan
from budgets.scenarios import generate, write_focus
from portal.models import User

DAYS = 150
# Meaningful names for the generated projects (the generator numbers them).
DEMO_NAMES = [
    "Checkout API",
    "Search & Recommendations",
    "Data Warehouse",
    "Mobile Backend",
    "Fraud Detection",
]


class Command(BaseCommand):
    help = "Load demo budget projects (generated FOCUS costs with anomalies) and finance@example.com."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo-password-123")

    def handle(self, *args, **options):
        user = User.objects.filter(email="finance@example.com").first()
        if user is None:
            user = User.objects.create_user(
                email="finance@example.com", password=options["password"], email_verified_at=timezone.now()
            )
        user.groups.add(Group.objects.get_or_create(name="budget_approver")[0])
        if Project.objects.filter(name=DEMO_NAMES[0]).exists():
            self.stdout.write("budgets demo already loaded")
            return
        start = timezone.localdate() - timedelta(days=DAYS)
        scenario = generate(seed=3, projects=5, days=DAYS, start=start)
        for spec, name in zip(scenario.projects, DEMO_NAMES, strict=False):
            project, _ = services.project_upsert(
                name=name, currency="USD", sub_accounts=[spec.sub_account], tags=[], owners=[user]
            )
            monthly = Decimal(round(sum(r.daily for r in spec.resources) * 30))
            services.project_budget_set(
                project=project, amount=monthly * 24, currency="USD", start_month=start, months=24
            )
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo-focus.csv"
            write_focus(path, scenario.lines())
            result = cost_import_run(import_id=cost_import_create(path=str(path), queue=False).pk)
        projects_scan(project_ids=None, eval_days=DAYS - 45)
        self.stdout.write(
            f"budgets demo: {len(scenario.projects)} projects, {result.rows_read} cost rows; "
            "sign in as finance@example.com and open /budgets/"
        )
