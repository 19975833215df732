"""Reporting reads from the streaming replica, end to end: the product served by gunicorn with
``DATABASE_URL`` = the harness's primary and ``DATABASE_REPLICA_URL`` = its hot standby, driven
over HTTP by signed-in browser sessions (httpx with their session cookies).

The proof that a page reads the replica: with the standby's replay paused, a row committed on the
primary does not show (a payment in the merchant dashboard, list and CSV; an unallocated cost in
the budgets portfolio); once replay resumes, it does. Read-your-writes: the session that made a
change through the web UI sees it at once while replay is paused; other sessions do not yet. A
standby that lags beyond ``REPLICA_MAX_LAG_SECONDS``, or is down, is not read: the primary
answers, never an error.

Two servers share the harness: ``reads`` (lag bound an hour, the replica's state cached an hour:
what it reads is decided by replay alone, and a standby that stops after the check fails a
request mid-way) and ``bounded`` (lag bound 1 s, checked on every request).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
import psycopg
import pytest
from django.contrib.sessions.backends.db import SessionStore

from portal.replica import SESSION_KEY
from tests.processes import ROOT, child_env, http_client, start_server
from tests.scale.conftest import PORTAL_DATABASE

# The harness's copy of the schema is dumped from the test database: pytest-django creates it
# only for a run whose tests ask for it.
pytestmark = pytest.mark.django_db


@dataclass
class Site:
    url: str
    log: Callable[[], str]  # the server's output so far


@dataclass
class Shop:
    merchant: str
    cookie: str
    sessions: list[str]
    key: str
    key_masked: str


def _env(harness, **extra: str) -> dict[str, str]:
    return {
        "DATABASE_URL": harness.url(harness.primary_port, PORTAL_DATABASE),
        "DATABASE_REPLICA_URL": harness.url(harness.replica_port, PORTAL_DATABASE),
        **extra,
    }


class RowWriter:
    """``tests/scale/replica_site.py``: rows written by the product's code on the harness primary."""

    def __init__(self, harness, log_path) -> None:
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.scale.replica_site"],
            cwd=ROOT,
            env=child_env(**_env(harness)),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )

    def __call__(self, *args: str) -> dict:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(" ".join(args) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"replica_site exited: see {self.log.name}"
        return json.loads(line)

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        self.process.wait(30)
        self.log.close()


@pytest.fixture(scope="module")
def site(portal_replica, tmp_path_factory):
    writer = RowWriter(portal_replica, tmp_path_factory.mktemp("site") / "replica_site.log")
    yield writer
    writer.close()


@pytest.fixture(scope="module")
def servers(portal_replica, tmp_path_factory):
    common = {"REPLICA_RETRY_SECONDS": "0", **_env(portal_replica)}
    settings_of = {
        "reads": {"REPLICA_MAX_LAG_SECONDS": "3600", "REPLICA_STATUS_SECONDS": "3600"},
        "bounded": {"REPLICA_MAX_LAG_SECONDS": "1", "REPLICA_STATUS_SECONDS": "0"},
    }
    with ThreadPoolExecutor(len(settings_of)) as pool:  # each takes seconds to start: together
        starting = {
            name: pool.submit(start_server, tmp_path_factory.mktemp(name), threads=2, **common, **extra)
            for name, extra in settings_of.items()
        }
    started = {name: future.result() for name, future in starting.items() if not future.exception()}
    try:
        for future in starting.values():
            future.result()  # raises the first failure to start
        yield {name: Site(url=url, log=proc.log) for name, (proc, url) in started.items()}
    finally:
        for proc, _url in started.values():
            proc.stop()


@pytest.fixture(scope="module")
def shop(site) -> Shop:
    return Shop(**site("merchant"))


def _browser(site: Site, shop: Shop, session: int) -> httpx.Client:
    return http_client(
        base_url=site.url,
        cookies={shop.cookie: shop.sessions[session]},
        headers={"Accept-Language": "en"},
        timeout=30,
    )


def _one(url: str, sql: str, params=()):
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
        assert row is not None
        return row[0]


def _session_data(harness, key: str) -> dict:
    data = _one(
        harness.url(harness.primary_port, PORTAL_DATABASE),
        "SELECT session_data FROM django_session WHERE session_key = %s",
        [key],
    )
    return SessionStore().decode(data)


def _show(browser: httpx.Client, path: str) -> str:
    answer = browser.get(path)
    assert answer.status_code == 200, answer.text[:500]
    return answer.text


def test_reports_read_the_replica_until_it_replays(portal_replica, servers, site, shop):
    order = "o_replica_stale_1"
    reader = _browser(servers["reads"], shop, 1)
    row = f"/payments/test/{order}/"  # the payment's link in a page (its id is in the filters too)
    pages = (
        (f"/m/{shop.merchant}/", row),
        (f"/m/{shop.merchant}/payments/?q={order}", row),
        (f"/m/{shop.merchant}/payments/export.csv?q={order}", f"{order},"),
    )
    portal_replica.caught_up()
    portal_replica.replay(paused=True)
    try:
        site("payment", shop.merchant, order)
        primary = portal_replica.url(portal_replica.primary_port, PORTAL_DATABASE)
        assert _one(primary, "SELECT count(*) FROM payments_payment WHERE order_id = %s", [order]) == 1
        for page, shown in pages:
            assert shown not in _show(reader, page), page  # the standby's (stale) answer
    finally:
        portal_replica.replay(paused=False)
    portal_replica.caught_up()
    for page, shown in pages:
        assert shown in _show(reader, page), page
    assert _session_data(portal_replica, shop.sessions[1]).get(SESSION_KEY) is None  # wrote nothing


def test_the_budgets_dashboard_reads_the_replica_until_it_replays(portal_replica, servers, site):
    finance = site("finance")
    browser = http_client(
        base_url=servers["reads"].url, cookies={finance["cookie"]: finance["session"]}, timeout=30
    )
    sub_account = "replica-sub-777"  # shown in the unallocated costs of the portfolio page
    portal_replica.caught_up()
    portal_replica.replay(paused=True)
    try:
        site("cost", sub_account)
        primary = portal_replica.url(portal_replica.primary_port, PORTAL_DATABASE)
        count = "SELECT count(*) FROM budgets_costdaily WHERE sub_account_id = %s"
        assert _one(primary, count, [sub_account]) == 1
        assert sub_account not in _show(browser, "/budgets/")  # the standby's (stale) answer
    finally:
        portal_replica.replay(paused=False)
    portal_replica.caught_up()
    page = _show(browser, "/budgets/")
    assert 'id="unallocated"' in page and sub_account in page


def test_a_projects_forecast_reads_the_replica_as_the_rest_of_its_dashboard(portal_replica, servers, site):
    finance = site("finance")
    project = site("project", "Replica-Forecast", "replica-sub-888")["project"]
    browser = http_client(
        base_url=servers["reads"].url, cookies={finance["cookie"]: finance["session"]}, timeout=30
    )
    forecast = f"/v1/budgets/projects/{project}/forecast"
    portal_replica.caught_up()
    before = browser.get(forecast).json()
    assert before["as_of"] is None, before  # no cost yet
    portal_replica.replay(paused=True)
    try:
        site("cost", "replica-sub-888", project)
        assert browser.get(forecast).json() == before  # the standby's (stale) answer
    finally:
        portal_replica.replay(paused=False)
    portal_replica.caught_up()
    after = browser.get(forecast).json()
    assert after["as_of"] is not None and after["actual_to_date"] != before["actual_to_date"], after


def test_a_session_reads_its_own_writes_while_the_replica_lags(portal_replica, servers, site, shop):
    writer, reader = _browser(servers["reads"], shop, 0), _browser(servers["reads"], shop, 1)
    dashboard = f"/m/{shop.merchant}/"
    alert = f"API key {shop.key_masked} (test secret) expires on"
    assert alert not in _show(writer, dashboard)
    _show(writer, f"/m/{shop.merchant}/keys/")  # the CSRF cookie, as a browser gets it
    portal_replica.caught_up()
    portal_replica.replay(paused=True)
    try:
        rolled = writer.post(
            f"/m/{shop.merchant}/keys/{shop.key}/roll/",
            data={"grace_hours": "24", "csrfmiddlewaretoken": writer.cookies["csrftoken"]},
        )
        assert rolled.status_code == 200, rolled.text[:500]
        token = _session_data(portal_replica, shop.sessions[0])[SESSION_KEY]
        assert "/" in token  # the primary's WAL position after the write
        assert alert in _show(writer, dashboard)  # its own write: read from the primary
        assert alert not in _show(reader, dashboard)  # another session: the paused standby
        assert SESSION_KEY in _session_data(portal_replica, shop.sessions[0])  # not replayed yet
    finally:
        portal_replica.replay(paused=False)
    portal_replica.caught_up()
    assert alert in _show(reader, dashboard)
    assert alert in _show(writer, dashboard)
    assert SESSION_KEY not in _session_data(portal_replica, shop.sessions[0])  # replayed: dropped


def test_a_replica_lagging_beyond_the_bound_is_not_read(portal_replica, servers, site, shop):
    order = "o_replica_lagging_1"
    reader = _browser(servers["bounded"], shop, 1)
    replica = portal_replica.url(portal_replica.replica_port, PORTAL_DATABASE)
    portal_replica.caught_up()
    portal_replica.replay(paused=True)
    try:
        site("payment", shop.merchant, order)
        deadline = time.monotonic() + 30
        lag_sql = (
            "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
            "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
        )
        while _one(replica, lag_sql) <= 1.5:  # beyond the bound of 1 s, with a margin
            assert time.monotonic() < deadline, "the standby never lagged"
            time.sleep(0.1)
        assert _one(replica, "SELECT count(*) FROM payments_payment WHERE order_id = %s", [order]) == 0
        assert f"/payments/test/{order}/" in _show(reader, f"/m/{shop.merchant}/payments/?q={order}")
        assert f"/payments/test/{order}/" in _show(reader, f"/m/{shop.merchant}/")  # the primary's
    finally:
        portal_replica.replay(paused=False)
    portal_replica.caught_up()


@pytest.mark.parametrize("server", ["bounded", "reads"])
def test_a_replica_that_is_down_is_not_read_and_no_page_fails(portal_replica, servers, site, shop, server):
    """``bounded`` checks the standby on each request and finds it down; ``reads`` found it up (its
    check is cached for an hour), so its query fails mid-request and the page is answered again
    from the primary."""
    order = f"o_replica_down_{server}"
    reader = _browser(servers[server], shop, 1)
    portal_replica.caught_up()
    _show(reader, f"/m/{shop.merchant}/")  # the standby checked: up
    portal_replica.stop_replica()
    try:
        site("payment", shop.merchant, order)
        assert f"/payments/test/{order}/" in _show(reader, f"/m/{shop.merchant}/")
        assert f"/payments/test/{order}/" in _show(reader, f"/m/{shop.merchant}/payments/?q={order}")
    finally:
        portal_replica.start_replica()
    portal_replica.caught_up()
    assert f"/payments/test/{order}/" in _show(reader, f"/m/{shop.merchant}/payments/?q={order}")
    if server == "reads":
        assert "replica failed during" in servers[server].log()
    else:
        assert "replica unavailable" in servers[server].log()
