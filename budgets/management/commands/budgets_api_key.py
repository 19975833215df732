"""Create a read-only budgets API key for a user (printed once), or revoke one."""

from django.core.management.base import BaseCommand, CommandError

from budgets.apikeys import api_key_create, api_key_revoke
from budgets.models import BudgetsApiKey
from portal.errors import PortalError
from portal.models import User


class Command(BaseCommand):
    help = "Create a read-only API key for automation (GET /v1/budgets/… as the user), or --revoke bk_ID."

    def add_arguments(self, parser):
        parser.add_argument("email", nargs="?")
        parser.add_argument("--name", default="automation")
        parser.add_argument("--revoke", metavar="KEY_ID")

    def handle(self, *args, **options):
        if options["revoke"]:
            key = BudgetsApiKey.objects.filter(public_id=options["revoke"]).first()
            if key is None or not api_key_revoke(key=key):
                raise CommandError("no such active key")
            self.stdout.write(f"revoked {key.public_id}")
            return
        user = User.objects.filter(email__iexact=options["email"] or "").first()
        if user is None:
            raise CommandError("give the e-mail of an existing portal user")
        try:
            key, secret = api_key_create(user=user, name=options["name"])
        except PortalError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"{key.public_id}: {secret}\n(read-only; shown once — send it as 'Authorization: Bearer …')"
        )
