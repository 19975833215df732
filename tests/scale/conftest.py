"""Scale-out fixtures: a local three-primary Redis Cluster (session-scoped) and the product
pointed at it (per test), skipped only where redis-server/redis-cli are not installed; a
PostgreSQL primary with its streaming hot standby, and the product's schema on them, skipped
only where the PostgreSQL server binaries are not installed."""

from __future__ import annotations

import subprocess

import pytest

from tests.payments.conftest import acquirer_in_process, public_api  # noqa: F401 (the payments tests' fixtures)
from tests.scale.cluster import RedisClusterHarness, binaries_missing

PORTAL_DATABASE = "portal"


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    reason = binaries_missing()
    if reason:
        pytest.skip(reason)
    harness = RedisClusterHarness(tmp_path_factory.mktemp("redis-cluster")).start()
    yield harness
    harness.stop()


@pytest.fixture
def on_cluster(redis_cluster, settings):
    """The product's Redis (domain features and admission control) is the cluster, emptied."""
    from payments.admission import controller
    from portal.redis import get_redis, reset_redis_client

    settings.REDIS_URL = redis_cluster.url
    settings.ADMISSION_REDIS_URL = ""
    settings.REDIS_CLUSTER = True
    settings.ADMISSION_REDIS_CLUSTER = True
    reset_redis_client()
    controller.reset()
    client = get_redis()
    client.flushall()  # every primary
    yield client
    reset_redis_client()
    controller.reset()


@pytest.fixture(scope="session")
def pg_replica():
    """A PostgreSQL primary of its own and its streaming hot standby (tests/scale/replica.py)."""
    from tests.scale.replica import ReplicaHarness
    from tests.scale.replica import binaries_missing as pg_missing

    reason = pg_missing()
    if reason:
        pytest.skip(reason)
    harness = ReplicaHarness().start()
    yield harness
    harness.stop()


@pytest.fixture(scope="session")
def portal_replica(pg_replica, django_db_setup, tmp_path_factory):
    """The harness's primary holding the product's schema (a copy of the pytest-django database:
    ``pg_dump``/``pg_restore`` takes ~2 s where ``migrate`` takes a minute), streamed to the standby.
    Yields the harness; the database is ``PORTAL_DATABASE`` on both servers."""
    from tests.processes import test_database_url

    dump = tmp_path_factory.mktemp("portal-dump") / "portal.dump"
    done = subprocess.run(
        [str(pg_replica.bin / "pg_dump"), "-Fc", "-f", str(dump), test_database_url()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    pg_replica.load(dump, PORTAL_DATABASE)
    pg_replica.caught_up(timeout=60)
    return pg_replica
