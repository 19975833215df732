"""Read-only API keys for automation (``Authorization: Bearer bk_…``): a key acts as its user and
may only read (GET); writes answer 403. Only the key's SHA-256 is stored; it is shown once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS

from budgets import errors
from budgets.models import BudgetsApiKey
from portal.errors import FieldError, PortalError
from portal.models import User
from portal.services import audit_record

PREFIX = "bk_"
TOUCH_EVERY = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(*, user: User, name: str, actor: User | None = None) -> tuple[BudgetsApiKey, str]:
    """A new read-only key for ``user``; returns the key and its secret (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise FieldError(errors.AREA, "name", "required", "give the key a name (up to 200 characters)")
    secret = PREFIX + secrets.token_urlsafe(32)
    key = BudgetsApiKey.objects.create(name=name, user=user, key_hash=_digest(secret), prefix=secret[:10])
    audit_record(
        actor=actor, action="budgets.api_key_created", obj=key, after={"name": name, "user": user.email}
    )
    return key, secret


def api_key_revoke(*, key: BudgetsApiKey, actor: User | None = None) -> bool:
    revoked = BudgetsApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(actor=actor, action="budgets.api_key_revoked", obj=key)
    return bool(revoked)


class ReadOnlyKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer bk_…`` → (the key's user, the key)."""

    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer " + PREFIX):
            return None
        key = (
            BudgetsApiKey.objects.select_related("user")
            .filter(key_hash=_digest(header.removeprefix("Bearer ").strip()), revoked_at__isnull=True)
            .first()
        )
        if key is None or not key.user.is_active:
            raise PortalError(errors.SIGN_IN_REQUIRED, "The API key is unknown or revoked.")
        if request.method not in SAFE_METHODS:
            raise PortalError(errors.READ_ONLY_KEY)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
            BudgetsApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.user, key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="budgets"'


class ReadOnlyKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: a budgets read-only key as a bearer token."""

    target_class = "budgets.apikeys.ReadOnlyKeyAuthentication"
    name = "BudgetsReadOnlyKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A budgets read-only key (bk_…): GET only; writes answer 403.",
        }
