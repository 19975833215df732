"""API-key authentication: ``Authorization: Bearer <key>`` or Basic with the key as user name.

The key decides the merchant and the mode (test/live). Failed attempts are
counted per client address; past the limit the address gets 429 for a minute.
"""

from __future__ import annotations

import base64
import binascii
import re

from django.conf import settings
from django_ratelimit.core import get_usage, is_ratelimited
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication

from portal import errors, selectors, services
from portal.cache import ProcessCache
from portal.errors import PortalError
from portal.models import ApiKey, Merchant, Mode
from security import key_events

KEY_FORMAT = re.compile(r"^[pm]_(test|live)_[A-Za-z0-9]{20,80}$")


TENANT_HEADER = "HTTP_TENANT_SHOP_ID"


class ApiPrincipal:
    """``request.user`` of an API request: the merchant and mode a key stands for.

    ``merchant`` is the shop the request acts for: the key's own, or — a platform's key with
    ``Tenant-Shop-Id`` — that tenant shop, so that every endpoint scopes to the tenant exactly
    as it scopes to a merchant. ``platform`` is then the key's merchant.
    """

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey, merchant: Merchant | None = None):
        self.key = key
        self.merchant = merchant or key.merchant
        self.platform = key.merchant if merchant is not None and merchant != key.merchant else None
        self.mode = key.mode
        self.is_public_key = key.kind == ApiKey.Kind.PUBLIC
        self.is_live = key.mode == Mode.LIVE

    def __str__(self) -> str:
        return f"{self.merchant.public_id}/{self.mode}/{self.key.kind}"


def _rate() -> str:
    return f"{settings.API_AUTH_FAILURES_PER_MINUTE}/m"


def _address_key(group, request) -> str:
    return getattr(request, "client_address", None) or request.META.get("REMOTE_ADDR", "") or "unknown"


def _failures_exceeded(django_request) -> bool:
    usage = get_usage(
        django_request, group="api-auth-failures", key=_address_key, rate=_rate(), increment=False
    )
    return usage is not None and usage["count"] >= usage["limit"]


def _count_failure(django_request) -> None:
    is_ratelimited(django_request, group="api-auth-failures", key=_address_key, rate=_rate(), increment=True)


def parse_authorization(header: str) -> str:
    """The API key from an Authorization header; raises PortalError if malformed."""
    scheme, _, credentials = header.strip().partition(" ")
    credentials = credentials.strip()
    scheme = scheme.lower()
    if scheme == "bearer" and credentials:
        return credentials
    if scheme == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise PortalError(errors.AUTH_MALFORMED) from exc
        user, _, _password = decoded.partition(":")
        if user:
            return user
    raise PortalError(errors.AUTH_MALFORMED)


class _KeyCache:
    """Per-process cache of API keys by hash (a few seconds), so that hot paths do no database work.

    Revocation, expiry and merchant suspension therefore take effect within
    ``API_KEY_CACHE_SECONDS`` in every process. Unknown keys are not cached.
    """

    def __init__(self):
        self.cache: ProcessCache[ApiKey] = ProcessCache(lambda: settings.API_KEY_CACHE_SECONDS)

    def get(self, key_hash: str) -> ApiKey | None:
        return self.cache.get(key_hash, lambda: selectors.api_key_by_hash(key_hash))

    def clear(self) -> None:
        self.cache.clear()


key_cache = _KeyCache()
tenant_cache: ProcessCache[Merchant] = ProcessCache(lambda: settings.API_KEY_CACHE_SECONDS)


def acting_merchant(key: ApiKey, tenant_shop_id: str | None) -> Merchant:
    """The shop a request with ``key`` acts for: the key's, or the tenant named by ``Tenant-Shop-Id``.

    Only a platform's key may name a tenant, and only one of its own: another platform's
    tenant is answered as if it did not exist.
    """
    if not tenant_shop_id:
        return key.merchant
    if not key.merchant.is_platform:
        raise PortalError(errors.AUTH_TENANT_NOT_PLATFORM)
    tenant = tenant_cache.get(
        (key.merchant_id, tenant_shop_id),
        lambda: selectors.tenant_of(platform_id=key.merchant_id, tenant_public_id=tenant_shop_id),
    )
    if tenant is None:
        raise PortalError(errors.AUTH_TENANT_NOT_FOUND)
    return tenant


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if not header:
            return None
        key = getattr(request._request, "api_key", None)  # a usable key, found by admission control
        try:
            if key is None:
                raw = parse_authorization(header)
                key = key_cache.get(services.hash_api_key(raw)) if KEY_FORMAT.match(raw) else None
                if key is None:
                    raise PortalError(errors.AUTH_INVALID_KEY)
                if not key.is_usable():
                    raise PortalError(errors.AUTH_REVOKED_KEY)
        except PortalError as exc:
            # Only failures are counted and throttled (valid keys never pay for the check):
            # past the limit, an address gets 429 instead of learning whether a guess was close.
            django_request = request._request
            if _failures_exceeded(django_request):
                key_events.api_key_failure(request=django_request, throttled=True, key=key)
                raise PortalError(errors.AUTH_TOO_MANY_FAILURES, headers={"Retry-After": "60"}) from None
            _count_failure(django_request)
            key_events.api_key_failure(request=django_request, throttled=False, key=key, code=exc.code)
            raise
        merchant = acting_merchant(key, request.META.get(TENANT_HEADER, "").strip())
        if key.mode == Mode.LIVE and not (key.merchant.live_enabled and merchant.live_enabled):
            raise PortalError(errors.AUTH_MERCHANT_INACTIVE)
        services.api_key_touch(key=key)
        key_events.api_key_address_observe(key=key, address=_address_key(None, request._request))
        return ApiPrincipal(key, merchant), key

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    """OpenAPI: the secret or public key as a bearer token (Basic with the key as user name works too)."""

    target_class = "portal.api.authentication.ApiKeyAuthentication"
    name = "ApiKeyBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A secret key (m_test_…/m_live_…), or a public key (p_…) where an operation says so.",
        }
