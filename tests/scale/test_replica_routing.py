"""``portal.replica`` without a replica configured (the test settings have none): reports read the
primary and nothing costs a query. With one, see test_replica_reads.py (a real standby)."""

from __future__ import annotations

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.http import HttpResponse

from portal.replica import PRIMARY, ReadYourWritesMiddleware, lsn_int, replica_configured, reporting_db


@pytest.mark.django_db
def test_without_a_replica_reports_read_the_primary_at_no_cost(django_assert_num_queries):
    assert not replica_configured()
    with django_assert_num_queries(0):
        assert reporting_db() == PRIMARY == "default"


def test_without_a_replica_the_middleware_is_not_installed():
    with pytest.raises(MiddlewareNotUsed):
        ReadYourWritesMiddleware(lambda request: HttpResponse())


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_with_a_replica_api_requests_pass_by_the_middleware_at_no_cost(
    settings, rf, django_assert_num_queries
):
    """The merchant API authenticates with keys: no session read, no WAL position asked."""
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    middleware = ReadYourWritesMiddleware(lambda request: HttpResponse(status=201))
    request = rf.post("/v1/payments", data="{}", content_type="application/json")
    with django_assert_num_queries(0):
        assert middleware(request).status_code == 201
    assert not hasattr(request, "session")  # never looked at


def test_wal_positions_compare_as_numbers():
    assert lsn_int("0/0") == 0
    assert lsn_int("16/B374D848") == (0x16 << 32) + 0xB374D848
    assert lsn_int("1/0") > lsn_int("0/FFFFFFFF")
