"""portal.postgresql: a connection used cleanly within the last second skips Django's per-request
``SELECT 1``; an idle one is checked as before, and one whose request failed is checked when
that request ends (Django's ``errors_occurred``)."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import DatabaseError, connection

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checks(monkeypatch):
    calls = []
    real = connection.is_usable

    def counting():
        calls.append(1)
        return real()

    monkeypatch.setattr(connection, "is_usable", counting)
    return calls


def a_request(sql="SELECT 1 + 1"):
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        request_finished.send(sender=None)


def test_the_backend_is_ours():
    assert connection.settings_dict["ENGINE"] == "portal.postgresql"
    assert connection.vendor == "postgresql" and connection.health_check_enabled


def test_busy_connection_skips_the_check(checks, settings):
    settings.DB_HEALTH_CHECK_QUIET_SECONDS = 60
    a_request()  # opens (or checks) the connection
    checks.clear()
    a_request()
    a_request()
    assert checks == []


def test_zero_keeps_djangos_check_on_every_request(checks, settings):
    settings.DB_HEALTH_CHECK_QUIET_SECONDS = 0
    a_request()
    checks.clear()
    a_request()
    a_request()
    assert len(checks) == 2


def test_a_failed_request_has_its_connection_checked_when_it_ends(checks, settings):
    settings.DB_HEALTH_CHECK_QUIET_SECONDS = 60
    a_request()
    checks.clear()
    with pytest.raises(DatabaseError):
        a_request("SELECT * FROM no_such_table_here")
    assert len(checks) == 1  # Django's own check of a connection that saw an error
    a_request()


def test_a_connection_killed_by_the_server_recovers_on_the_next_request(settings):
    settings.DB_HEALTH_CHECK_QUIET_SECONDS = 60
    a_request()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    import psycopg

    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    with pytest.raises(DatabaseError):
        a_request()  # the one request that learns of it
    a_request()  # a new connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_connections_opened_together_are_not_replaced_together(settings):
    import time

    max_age = connection.settings_dict["CONN_MAX_AGE"]
    assert max_age
    ends = set()
    for _ in range(20):
        connection.close()
        opened = time.monotonic()
        connection.connect()
        left = connection.close_at - opened
        assert 0.75 * max_age - 0.1 <= left <= max_age + 0.1
        ends.add(round(left, 3))
    assert len(ends) > 10  # spread, not one moment
