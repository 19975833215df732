import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from portal import services
from portal.api.authentication import key_cache
from portal.errors import PortalError
from portal.models import ApiKey, Mode
from tests.support import ApiClient, error_codes, make_merchant

pytestmark = pytest.mark.django_db

PATH = "/v1/onboarding/application"


def test_bearer_key_reaches_its_own_merchant(merchant, api):
    response = api.call("GET", PATH)
    assert response.status_code == 200
    assert response.json()["merchant_id"] == merchant.merchant.public_id


def test_basic_auth_with_key_as_user_name(merchant):
    client = ApiClient()
    token = base64.b64encode(f"{merchant.test_secret}:".encode()).decode()
    response = client.get(PATH, HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 200
    assert response.json()["merchant_id"] == merchant.merchant.public_id


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("Bearer", "E0100000003"),
        ("Token abc", "E0100000003"),
        ("Basic !!!notbase64", "E0100000003"),
        ("Bearer m_test_short", "E0100000002"),
        ("Bearer m_test_" + "x" * 40, "E0100000002"),
        ("Bearer " + "💳" * 10, "E0100000002"),
    ],
)
def test_malformed_or_unknown_keys_get_401(merchant, header, code):
    response = ApiClient().get(PATH, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert error_codes(response) == [code]


def test_public_key_cannot_reach_secret_endpoints(merchant):
    response = ApiClient(merchant.test_public).call("GET", PATH)
    assert response.status_code == 403
    assert error_codes(response) == ["E0100000005"]


def test_revoked_key_gets_401(merchant):
    key = ApiKey.objects.get(key_hash=services.hash_api_key(merchant.test_secret))
    assert ApiClient(merchant.test_secret).call("GET", PATH).status_code == 200  # now cached
    services.api_key_revoke(key=key, actor=None)
    key_cache.clear()  # as after API_KEY_CACHE_SECONDS
    response = ApiClient(merchant.test_secret).call("GET", PATH)
    assert response.status_code == 401
    assert error_codes(response) == ["E0100000004"]


def test_rolled_key_works_during_grace_then_expires(merchant):
    key = ApiKey.objects.get(key_hash=services.hash_api_key(merchant.test_secret))
    issued = services.api_key_roll(key=key, grace=timedelta(hours=1), actor=None)
    assert ApiClient(merchant.test_secret).call("GET", PATH).status_code == 200
    assert ApiClient(issued.raw).call("GET", PATH).status_code == 200
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    key_cache.clear()  # as after API_KEY_CACHE_SECONDS
    response = ApiClient(merchant.test_secret).call("GET", PATH)
    assert response.status_code == 401
    assert error_codes(response) == ["E0100000004"]
    assert ApiClient(issued.raw).call("GET", PATH).status_code == 200


def test_live_key_of_suspended_merchant_is_refused_test_key_still_works(merchant):
    services.merchant_suspend(merchant=merchant.merchant, actor=None, reason="chargebacks")
    key_cache.clear()
    response = ApiClient(merchant.live_secret).call("GET", PATH)
    assert response.status_code == 403
    assert error_codes(response) == ["E0100000007"]
    assert ApiClient(merchant.test_secret).call("GET", PATH).status_code == 200


def test_live_keys_only_for_approved_merchants():
    pending = make_merchant(approved=False)
    with pytest.raises(PortalError) as exc:
        services.api_key_create(
            merchant=pending.merchant, mode=Mode.LIVE, kind=ApiKey.Kind.SECRET, actor=None
        )
    assert exc.value.code == "E0200000008"
    assert not ApiKey.objects.filter(merchant=pending.merchant, mode=Mode.LIVE).exists()


@override_settings(API_AUTH_FAILURES_PER_MINUTE=5)
def test_failed_attempts_are_rate_limited_per_address(merchant, still_ratelimit_clock):
    bad = ApiClient("m_test_" + "y" * 40)
    codes = [bad.call("GET", PATH, headers={}).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    blocked = bad.call("GET", PATH)
    assert blocked.status_code == 429
    assert error_codes(blocked) == ["E0100000006"]
    assert blocked["Retry-After"] == "60"
    # Even a right guess from that address is not confirmed while it is throttled…
    right_guess = ApiClient(merchant.live_secret)
    key_cache.clear()
    services.api_key_revoke(
        key=ApiKey.objects.get(key_hash=services.hash_api_key(merchant.live_secret)), actor=None
    )
    assert right_guess.call("GET", PATH).status_code == 429
    # …valid keys keep working, and other addresses are not affected.
    assert ApiClient(merchant.test_secret).call("GET", PATH).status_code == 200
    assert bad.get(PATH, REMOTE_ADDR="10.1.2.3").status_code == 401


def test_last_use_is_recorded(merchant, api):
    key = ApiKey.objects.get(key_hash=services.hash_api_key(merchant.test_secret))
    assert key.last_used_at is None
    api.call("GET", PATH)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_no_secret_key_in_clear_anywhere_in_the_database(merchant, api):
    api.call("GET", PATH)
    secrets = [merchant.test_secret, merchant.live_secret]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'bytea')"
        )
        columns = cursor.fetchall()
        for table, column in columns:
            for secret in secrets:
                cursor.execute(
                    f'SELECT count(*) FROM "{table}" WHERE position(%s in "{column}"::text) > 0',  # noqa: S608
                    [secret[8:]],
                )
                assert cursor.fetchone()[0] == 0, f"secret found in {table}.{column}"
    stored = ApiKey.objects.get(key_hash=services.hash_api_key(merchant.test_secret))
    assert stored.public_value == ""
    assert stored.masked.startswith("m_test_") and stored.masked.endswith(merchant.test_secret[-4:])


def test_revocation_applies_once_the_cache_expires(merchant, settings):
    settings.API_KEY_CACHE_SECONDS = 0.2
    client = ApiClient(merchant.test_secret)
    assert client.call("GET", PATH).status_code == 200
    services.api_key_revoke(
        key=ApiKey.objects.get(key_hash=services.hash_api_key(merchant.test_secret)), actor=None
    )
    import time

    time.sleep(0.3)
    assert client.call("GET", PATH).status_code == 401
