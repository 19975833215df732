"""Admission control, throttling, idempotency and counters on a three-primary Redis Cluster.

The same API calls as on one Redis (tests/payments/test_admission.py), with the product's
Redis client a ``redis.cluster.RedisCluster``: every script's keys share the merchant's hash
slot, the global per-method limit lives on its own, pipelines go node by node.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from redis.cluster import RedisCluster

from payments.admission import controller
from portal.redis import get_redis, is_cluster
from tests.payments.helpers import execute, token
from tests.payments.test_admission import BODY, _contract, _hold
from tests.support import ApiClient, error_codes, make_merchant

pytestmark = pytest.mark.django_db


def _window_key(keys) -> str:
    return f"adm:{{{keys.merchant.public_id}}}:test:win:Card"


def _usage(keys) -> int:
    return controller.usage(merchant=keys.merchant.public_id, mode="test", pay_types=["Card"])["Card"]


def test_the_product_talks_to_a_three_primary_cluster(on_cluster, redis_cluster):
    assert is_cluster(get_redis()) and is_cluster(controller.redis_client())
    cluster = controller.redis_client()
    assert isinstance(cluster, RedisCluster)
    assert len(cluster.get_primaries()) == 3
    assert {node.port for node in cluster.get_primaries()} == set(redis_cluster.ports)


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_burst_is_held_to_the_window_and_the_leases_come_back(on_cluster, merchant):
    _contract(merchant, concurrency_window=5, rate_per_second=100)
    n = 20
    barrier = threading.Barrier(n)
    answers: list = [None] * n

    def register(i: int) -> None:
        try:
            client = ApiClient(merchant.test_secret)
            barrier.wait()
            answers[i] = client.call("POST", "/v1/payments", BODY)
        finally:
            connection.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    admitted = [a for a in answers if a.status_code == 200]
    refused = [a for a in answers if a.status_code == 429]
    assert len(admitted) == 5 and len(refused) == n - 5
    for answer in refused:
        assert error_codes(answer) == ["E1500000001"] and answer["Retry-After"] == "1"
    # The five sessions hold their leases, in the merchant's slot on its node.
    cluster = controller.redis_client()
    node = cluster.get_node_from_key(_window_key(merchant))
    assert node.redis_connection.zcard(_window_key(merchant)) == 5
    assert _usage(merchant) == 5
    assert ApiClient(merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 429
    # Each session ends with its payment: the leases are given back.
    public = ApiClient(merchant.test_public)
    for answer in admitted:
        done = execute(ApiClient(merchant.test_secret), answer.json(), token(public))
        assert done.status_code == 200 and done.json()["status"] == "AUTHORIZED", done.content
    assert _usage(merchant) == 0
    assert ApiClient(merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 200
    stats = controller.recent_stats(merchant=merchant.merchant.public_id, mode="test")
    assert stats["admitted:Card"] == 6 and stats["refused:Card:window"] == n - 5 + 1


def test_the_throughput_limit_per_method(on_cluster, merchant, api):
    _contract(merchant, concurrency_window=50, rate_per_second=1, burst_factor=2)
    assert api.call("GET", "/v1/payments?pay_type=Card").status_code < 500  # warm: the first call is slow
    statuses = [api.call("POST", "/v1/payments", BODY).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    controller.forget_limits()
    controller.reset()  # no hold in this process: Redis decides again
    refused = api.call("POST", "/v1/payments", BODY)
    assert error_codes(refused) == ["E1500000003"]
    assert int(refused["Retry-After"]) >= 1
    cell = f"adm:{{{merchant.merchant.public_id}}}:test:rate:Card"
    cluster = controller.redis_client()
    assert cluster.get_node_from_key(cell).redis_connection.exists(cell)


def test_the_global_limit_per_method_lives_on_a_slot_of_its_own(
    on_cluster, merchant, other_merchant, settings
):
    # All merchants share it: it cannot be in the merchant's slot (a second trip when admitted).
    settings.ADMISSION_GLOBAL_RATE = {"Card": {"rate": 1, "burst": 1, "shadow": False}}
    _contract(merchant, concurrency_window=50, rate_per_second=100)
    _contract(other_merchant, concurrency_window=50, rate_per_second=100)
    assert ApiClient(merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 200
    refused = ApiClient(other_merchant.test_secret).call("POST", "/v1/payments", BODY)
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert refused.json()["message"].startswith("throughput (method, all merchants)")
    assert _usage(other_merchant) == 0  # its lease was given back at once


def _on_another_node(cluster, first) -> object:
    node = cluster.get_node_from_key(_window_key(first))
    for _ in range(20):
        other = make_merchant(name="Other Shop", approved=True)
        if cluster.get_node_from_key(_window_key(other)).name != node.name:
            return other
    raise AssertionError("twenty merchants in a row on one node of three")


def test_two_merchants_on_different_nodes_are_admitted_independently(on_cluster, merchant):
    cluster = controller.redis_client()
    other = _on_another_node(cluster, merchant)
    slots = {cluster.cluster_keyslot(_window_key(keys)) for keys in (merchant, other)}
    assert len(slots) == 2
    _contract(merchant, concurrency_window=1, rate_per_second=100)
    _contract(other, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    assert ApiClient(merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 429
    assert ApiClient(other.test_secret).call("POST", "/v1/payments", BODY).status_code == 200
    assert ApiClient(other.test_secret).call("POST", "/v1/payments", BODY).status_code == 429
    for keys in (merchant, other):  # each merchant's window on its own node, and only there
        node = cluster.get_node_from_key(_window_key(keys))
        assert node.redis_connection.zcard(_window_key(keys)) == 1
    held[0].release()
    assert ApiClient(merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 200


def test_idempotent_replays_with_the_cluster_configured(on_cluster, merchant, api):
    from payments.models import Payment

    _contract(merchant, concurrency_window=5, rate_per_second=100)
    headers = {"Idempotency-Key": "scale-1"}
    first = api.call("POST", "/v1/payments", BODY, headers=headers)
    assert first.status_code == 200
    replay = api.call("POST", "/v1/payments", BODY, headers=headers)
    assert replay.status_code == 200 and replay["Idempotent-Replayed"] == "true"
    assert replay.content == first.content
    other_body = api.call("POST", "/v1/payments", {**BODY, "amount": "200"}, headers=headers)
    assert error_codes(other_body) == ["E0000000461"]
    assert Payment.objects.count() == 1


def test_the_renewer_keeps_leases_alive_through_a_cluster_pipeline(on_cluster, merchant, settings):
    # Renewals go as a pipeline of scripts; a cluster's pipeline does not load scripts itself.
    settings.ADMISSION_LEASE_TTL_SECONDS = 30
    _contract(merchant, concurrency_window=5, rate_per_second=100)
    lease = _hold(merchant, 1)[0]
    on_cluster.script_flush()  # as after a node's restart: no script loaded anywhere
    controller.renewer.send([lease], {})
    cluster = controller.redis_client()
    seconds, micros = cluster.get_node_from_key(_window_key(merchant)).redis_connection.time()
    score = cluster.zscore(_window_key(merchant), lease.lease_id)
    assert score / 1000 - (seconds + micros / 1e6) > settings.ADMISSION_WORKING_LEASE_TTL_SECONDS - 1
    controller.renewer.send([], {lease.lease_id: lease.keys})
    score = cluster.zscore(_window_key(merchant), lease.lease_id)
    assert score / 1000 - (seconds + micros / 1e6) > 25
    lease.release()
    assert _usage(merchant) == 0


IDS = {"phone": "p1", "email": "e1", "address": "a1", "device": "d1", "ip": "i1"}


def test_credit_counters_and_lists_on_the_cluster(on_cluster):
    from credit import realtime

    cluster = controller.redis_client()
    keys = [realtime.velocity_key("test", kind, digest) for kind, digest in IDS.items()]
    assert len({cluster.get_node_from_key(key).name for key in keys}) > 1  # spread over nodes
    realtime.lists_replace(mode="test", block=["phone:p1"], allow=[])  # one transaction, one slot
    first = realtime.realtime_fetch(mode="test", member="m1", identifiers=IDS)
    pending = realtime.realtime_send(mode="test", member="m2", identifiers=IDS)
    second = pending.result()
    pending.discard()
    assert (first.velocity["phone_apps_1h"], second.velocity["phone_apps_1h"]) == (1, 2)
    assert second.velocity["ip_apps_30d"] == 2
    assert second.in_blocklist and second.lists_loaded and not second.in_allowlist


def test_a_key_used_from_a_new_address_on_the_cluster(on_cluster, merchant):
    # security.key_events: a transaction (MULTI/EXEC) on one key, in a cluster pipeline.
    from security.key_events import seen_forget
    from security.models import Kind, SecurityEvent

    seen_forget()

    def api(address):
        return ApiClient(merchant.test_secret, REMOTE_ADDR=address)

    assert api("10.1.0.1").call("GET", "/v1/customers").status_code == 200
    assert api("10.1.0.2").call("GET", "/v1/customers").status_code == 200
    assert SecurityEvent.objects.filter(kind=Kind.API_KEY_NEW_ADDRESS, source_ip="10.1.0.2").count() == 1
