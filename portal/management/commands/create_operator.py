"""Create (or update) an operator account and enrol a TOTP device for two-factor sign-in.

    python manage.py create_operator ops@example.com --group operator [--superuser]

Prints the otpauth:// URI to add to an authenticator app (and a QR code in the
terminal). The password is asked for interactively unless --password is given.
"""

from __future__ import annotations

import getpass
import io

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services
from portal.models import User


class Command(BaseCommand):
    help = "Create an operator with a TOTP device for the admin."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--group", choices=["reviewer", "operator"], default="reviewer")
        parser.add_argument("--superuser", action="store_true")
        parser.add_argument("--password", help="Otherwise asked for interactively.")
        parser.add_argument("--no-qr", action="store_true", help="Do not draw the QR code.")

    def handle(self, *args, email, group, superuser, password, no_qr, **options):
        password = password or getpass.getpass("Password: ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        with transaction.atomic():
            user, created = User.objects.get_or_create(email=email.lower(), defaults={"is_staff": True})
            user.is_staff = True
            user.is_superuser = user.is_superuser or superuser
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=group))
            TOTPDevice.objects.filter(user=user, name="default").delete()
            device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
            services.audit_record(
                actor=None,
                action="user.operator_enrolled",
                obj=user,
                after={
                    "email": user.email,
                    "group": group,
                    "superuser": user.is_superuser,
                    "created": created,
                },
            )
        self.stdout.write(
            f"Operator {user.email} ready. Add this to your authenticator app:\n{device.config_url}"
        )
        if not no_qr:
            import qrcode

            qr = qrcode.QRCode(border=1)
            qr.add_data(device.config_url)
            picture = io.StringIO()
            qr.print_ascii(out=picture, invert=True)
            self.stdout.write(picture.getvalue(), ending="")
