"""Demo data for a laptop: operators, an approved merchant with fixed test keys, and
an application waiting in the review queue. Idempotent; refused in production."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from portal import services
from portal.models import ApiKey, Merchant, Mode, User
from portal.pay_types import pay_type_values

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 -- development demo only
OPERATOR = "operator@example.com"
REVIEWER = "reviewer@example.com"
OWNER = "owner@example.com"
APPLICANT = "applicant@example.com"
# Fixed demo keys so that the README's curl examples work on a fresh laptop.
DEMO_KEYS = {
    (Mode.TEST, ApiKey.Kind.SECRET): "m_test_DemoSecretKeyForLocalDevelopmentOnly000",
    (Mode.TEST, ApiKey.Kind.PUBLIC): "p_test_DemoPublicKeyForLocalDevelopmentOnly000",
    (Mode.LIVE, ApiKey.Kind.SECRET): "m_live_DemoSecretKeyForLocalDevelopmentOnly000",
    (Mode.LIVE, ApiKey.Kind.PUBLIC): "p_live_DemoPublicKeyForLocalDevelopmentOnly000",
}


class Command(BaseCommand):
    help = "Load demo users, merchants and keys (development only)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("load_demo refuses to run with PORTAL_ENV=production")
        with transaction.atomic():
            self._operators()
            self._demo_merchant()
            self._applicant()
        self.stdout.write(self.style.SUCCESS("Demo data ready."))

    def _user(self, email: str, **extra) -> User:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, email_verified_at=timezone.now(), **extra
            )
        return user

    def _operators(self) -> None:
        operator = self._user(OPERATOR, is_staff=True, is_superuser=True, full_name="Demo Operator")
        reviewer = self._user(REVIEWER, is_staff=True, full_name="Demo Reviewer")
        operator.groups.add(Group.objects.get(name="operator"))
        reviewer.groups.add(Group.objects.get(name="reviewer"))

    def _demo_merchant(self) -> None:
        owner = self._user(OWNER, full_name="Demo Owner")
        if owner.memberships.exists():
            return
        merchant = services.merchant_create(name="Demo Shop", owner=owner, actor=None)
        services.application_update(
            application=merchant.application,
            data={
                "legal_name": "株式会社デモショップ",
                "legal_name_kana": "カブシキガイシャデモショップ",
                "corporate_number": "7000012050002",
                "representative_name": "山田 太郎",
                "postal_code": "150-0002",
                "address": "東京都渋谷区渋谷2-1-1",
                "phone": "03-1234-5678",
                "website": "https://shop.example.com",
                "business_category": "retail-goods",
                "expected_monthly_volume": 5_000_000,
                "requested_methods": pay_type_values(),
            },
            actor=owner,
        )
        services.application_fast_track(
            application=merchant.application, pay_types=pay_type_values(), actor=None
        )
        merchant = Merchant.objects.get(pk=merchant.pk)
        for (mode, kind), raw in DEMO_KEYS.items():
            ApiKey.objects.create(
                merchant=merchant,
                mode=mode,
                kind=kind,
                label="demo",
                key_hash=services.hash_api_key(raw),
                display_prefix=raw[:11],
                last4=raw[-4:],
                public_value=raw if kind == ApiKey.Kind.PUBLIC else "",
            )

    def _applicant(self) -> None:
        owner = self._user(APPLICANT, full_name="Demo Applicant")
        if owner.memberships.exists():
            return
        merchant = services.merchant_create(name="Sakura Travel", owner=owner, actor=None)
        services.application_update(
            application=merchant.application,
            data={
                "legal_name": "さくらトラベル株式会社",
                "legal_name_kana": "サクラトラベルカブシキガイシャ",
                "corporate_number": "1010001000006",
                "representative_name": "佐藤 花子",
                "postal_code": "530-0001",
                "address": "大阪府大阪市北区梅田1-1-1",
                "phone": "06-1234-5678",
                "website": "https://travel.example.com",
                "business_category": "travel",
                "expected_monthly_volume": 20_000_000,
                "requested_methods": ["Card", "Konbini", "Paypay"],
            },
            actor=owner,
        )
        services.application_submit(application=merchant.application, actor=owner)
