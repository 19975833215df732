"""Helpers shared by the tests: merchants made through the real services, an API client."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rest_framework.test import APIClient

from portal import services
from portal.models import ApiKey, Merchant, Mode, User
from portal.pay_types import pay_type_values

_counter = iter(range(1, 10**9))


@dataclass
class MerchantKeys:
    merchant: Merchant
    owner: User
    keys: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def test_secret(self) -> str:
        return self.keys[(Mode.TEST, ApiKey.Kind.SECRET)]

    @property
    def test_public(self) -> str:
        return self.keys[(Mode.TEST, ApiKey.Kind.PUBLIC)]

    @property
    def live_secret(self) -> str:
        return self.keys[(Mode.LIVE, ApiKey.Kind.SECRET)]

    @property
    def live_public(self) -> str:
        return self.keys[(Mode.LIVE, ApiKey.Kind.PUBLIC)]


@contextlib.contextmanager
def rows_for_module(django_db_blocker) -> Iterator[None]:
    """Rows a module's tests all start from, made once: in a transaction of the module's own,
    rolled back at its end, inside which each test's ``db`` runs in a savepoint (as Django's
    ``setUpTestData``). For module-scoped fixtures; the module's tests may not commit
    (``transaction=True``), and the database's ``now()`` is the module's start for them all."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)


def redis_reset() -> None:
    """Empty the test's Redis database and every in-process cache in front of it (never db 0)."""
    import pytest
    from django.conf import settings
    from django.core.cache import cache

    from payments.admission import controller
    from portal.api.authentication import key_cache, tenant_cache
    from portal.redis import get_redis

    if settings.REDIS_URL and settings.REDIS_URL.rstrip("/").endswith("/0"):
        raise pytest.UsageError("Refusing to flush Redis database 0; point REDIS_URL at a test database.")
    get_redis().flushdb()
    cache.clear()
    controller.reset()
    key_cache.clear()
    tenant_cache.clear()


def make_user(email: str | None = None, password: str = "correct-horse-battery", **extra) -> User:
    from django.utils import timezone

    email = email or f"user{next(_counter)}@example.com"
    extra.setdefault("email_verified_at", timezone.now())
    return User.objects.create_user(email=email, password=password, **extra)


def make_merchant(
    name: str = "Shop", approved: bool = True, methods: list[str] | None = None, owner: User | None = None
) -> MerchantKeys:
    owner = owner or make_user()
    merchant = services.merchant_create(name=name, owner=owner, actor=None)
    result = MerchantKeys(merchant=merchant, owner=owner)
    modes = [Mode.TEST]
    if approved:
        services.application_fast_track(
            application=merchant.application, pay_types=methods or pay_type_values(), actor=None
        )
        modes.append(Mode.LIVE)
    for mode in modes:
        for kind in (ApiKey.Kind.PUBLIC, ApiKey.Kind.SECRET):
            result.keys[(mode, kind)] = services.api_key_create(
                merchant=merchant, mode=mode, kind=kind, actor=None
            ).raw
    result.merchant = Merchant.objects.get(pk=merchant.pk)
    return result


class ApiClient(APIClient):
    """DRF's test client with a bearer key, JSON bodies and decoded answers."""

    def __init__(self, key: str | None = None, **kwargs):
        super().__init__(**kwargs)
        if key:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        headers: dict | None = None,
        raw: str | bytes | None = None,
    ):
        kwargs: dict[str, Any] = {}
        if raw is not None:
            kwargs.update(data=raw, content_type="application/json")
        elif body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        for name, value in (headers or {}).items():
            kwargs["HTTP_" + name.upper().replace("-", "_")] = value
        return getattr(self, method.lower())(path, **kwargs)


def error_codes(response) -> list[str]:
    return [e["error_code"] for e in response.json()["errors"]]
