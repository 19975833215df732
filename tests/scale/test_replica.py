"""A streaming hot standby: what a replica for reporting reads gives and how far it lags.

The harness's own primary and standby (the shared test server refuses replication
connections). These tests prove the mechanics the product's reporting reads would rely on:
rows reach the standby once its replay LSN passes the primary's, a paused (lagging) standby
answers stale data, and only the primary has the fresh row meanwhile.
"""

from __future__ import annotations

import psycopg


def _one(url: str, sql: str, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        assert row is not None
        return row[0]


def test_the_standby_is_a_read_only_hot_standby(pg_replica):
    assert _one(pg_replica.replica_url, "SELECT pg_is_in_recovery()") is True
    assert _one(pg_replica.primary_url, "SELECT pg_is_in_recovery()") is False
    with psycopg.connect(pg_replica.replica_url, autocommit=True) as conn:
        try:
            conn.execute("CREATE TABLE nope (x int)")
        except psycopg.errors.ReadOnlySqlTransaction:
            pass
        else:
            raise AssertionError("the standby accepted a write")


def test_a_row_written_on_the_primary_is_read_on_the_standby_once_replayed(pg_replica):
    with psycopg.connect(pg_replica.primary_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS report_rows (id int PRIMARY KEY, note text)")
        conn.execute("INSERT INTO report_rows VALUES (1, 'first') ON CONFLICT DO NOTHING")
    pg_replica.caught_up()
    assert _one(pg_replica.replica_url, "SELECT note FROM report_rows WHERE id = 1") == "first"


def test_a_lagging_standby_reads_stale_and_the_primary_fresh(pg_replica):
    with psycopg.connect(pg_replica.primary_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS lag_rows (id int PRIMARY KEY)")
    pg_replica.caught_up()
    _one(pg_replica.replica_url, "SELECT pg_wal_replay_pause()::text")
    try:
        with psycopg.connect(pg_replica.primary_url, autocommit=True) as conn:
            conn.execute("INSERT INTO lag_rows VALUES (2)")
        count = "SELECT count(*) FROM lag_rows WHERE id = 2"
        assert _one(pg_replica.replica_url, count) == 0  # stale: replay is paused
        assert _one(pg_replica.primary_url, count) == 1  # read-your-writes: the primary
        lag = _one(
            pg_replica.primary_url,
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) FROM pg_stat_replication",
        )
        assert lag > 0  # the primary sees how far behind the standby is
    finally:
        _one(pg_replica.replica_url, "SELECT pg_wal_replay_resume()::text")
    pg_replica.caught_up()
    assert _one(pg_replica.replica_url, "SELECT count(*) FROM lag_rows WHERE id = 2") == 1
