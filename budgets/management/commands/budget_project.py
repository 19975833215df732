"""Create or update a project with its allocation and an approved budget."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min

from budgets import services
from budgets.importing import allocation_reapply
from budgets.models import CostDaily
from budgets.scanning import projects_scan
from portal.errors import PortalError
from portal.models import User


class Command(BaseCommand):
    help = "Create or update a budget project: sub-accounts, tag rules and an approved budget."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--sub-accounts", default="", help="comma-separated sub-account ids")
        parser.add_argument("--tag", action="append", default=[], help="KEY=VALUE (repeatable)")
        parser.add_argument("--budget", required=True, help="total amount, e.g. 60000000")
        parser.add_argument("--currency", required=True)
        parser.add_argument("--start", required=True, help="first month, YYYY-MM")
        parser.add_argument("--months", required=True, type=int)
        parser.add_argument("--owner", action="append", default=[], help="owner's e-mail (repeatable)")

    def handle(self, *args, **options):
        tags = []
        for item in options["tag"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--tag {item!r}: expected KEY=VALUE")
            tags.append((key.strip(), value.strip()))
        owners = []
        for email in options["owner"]:
            owner = User.objects.filter(email__iexact=email.strip()).first()
            if owner is None:
                raise CommandError(f"--owner {email}: no such user")
            owners.append(owner)
        try:
            with transaction.atomic():
                project, created = services.project_upsert(
                    name=options["name"],
                    currency=options["currency"],
                    sub_accounts=options["sub_accounts"].split(","),
                    tags=tags,
                    owners=owners,
                )
                request, changed = services.project_budget_set(
                    project=project,
                    amount=options["budget"],
                    currency=options["currency"],
                    start_month=options["start"],
                    months=options["months"],
                )
                moved = allocation_reapply()
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        # Costs imported before the project existed: look at their whole history once.
        first = CostDaily.objects.filter(project=project).aggregate(first=Min("charge_date"))["first"]
        if first is not None:
            projects_scan(project_ids=[project.pk], since=first)
        verb = "created" if created else "updated"
        budget = "budget approved" if changed else "budget unchanged"
        self.stdout.write(
            f"project {project.name} ({project.public_id}) {verb}; {budget}: {request.amount} "
            f"{request.currency} from {request.start_month:%Y-%m} for {request.months} months; "
            f"{moved} cost rows re-allocated"
        )
