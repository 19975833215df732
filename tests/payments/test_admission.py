"""Admission control against real Redis: windows, GCRA, shadow mode, live limits, failures."""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import signal
import subprocess
import time

import pytest
import redis
from django.conf import settings
from prometheus_client import REGISTRY

from payments.admission import controller
from payments.admission.controller import Limits
from payments.admission.gcra import GcraScript, emission_interval_us, gcra_step
from portal import services
from portal.models import Contract
from tests.payments.helpers import register
from tests.processes import free_port
from tests.support import ApiClient, error_codes

pytestmark = pytest.mark.django_db

BODY = {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}


def _failures() -> float:
    return REGISTRY.get_sample_value("admission_redis_failures_total", {"mode": "open"}) or 0.0


def _contract(merchant, **terms) -> Contract:
    contract = Contract.objects.get(merchant=merchant.merchant, pay_type="Card")
    services.contract_update(contract=contract, changes=terms, actor=None)
    controller.forget_limits()
    return contract


def _hold(merchant, n: int) -> list:
    leases = []
    for _ in range(n):
        decision = controller.admit(
            merchant=merchant.merchant.public_id,
            merchant_id=merchant.merchant.pk,
            mode="test",
            pay_type="Card",
        )
        assert decision.admitted
        leases.append(decision.lease)
    return leases


def test_full_window_is_refused_at_once_with_retry_after(merchant, api):
    _contract(merchant, concurrency_window=2, rate_per_second=100)
    leases = _hold(merchant, 2)
    refused = api.call("POST", "/v1/payments", BODY)
    assert refused.status_code == 429
    assert error_codes(refused) == ["E1500000001"]
    assert refused["Retry-After"] == "1"
    assert refused["Content-Length"] == str(len(refused.content))  # not sent chunked
    assert refused.json()["message"].startswith("concurrency window")
    from payments.models import Payment

    assert not Payment.objects.exists()
    leases[0].release()
    leases[1].release()
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert api.call("POST", "/v1/payments", BODY).status_code == 429  # two sessions are open
    stats = controller.recent_stats(merchant=merchant.merchant.public_id, mode="test")
    assert stats["refused:Card:window"] == 2  # counted by the check itself, same round trip
    assert stats["admitted:Card"] == 4


def test_a_session_lives_from_register_to_the_end_of_execute(merchant, api, public_api):
    from tests.payments.helpers import execute, token

    _contract(merchant, concurrency_window=1, rate_per_second=100)
    payment = register(api)

    def usage():
        return controller.usage(merchant=merchant.merchant.public_id, mode="test", pay_types=["Card"])["Card"]

    assert usage() == 1
    assert api.call("POST", "/v1/payments", BODY).status_code == 429  # the open session fills the window
    declined = execute(api, payment, token(public_api, "4000000000000002"))
    assert declined.status_code == 402 and usage() == 1  # the buyer may try another card
    done = execute(api, payment, token(public_api))
    assert done.status_code == 200 and done.json()["status"] == "AUTHORIZED"
    assert usage() == 0  # the session ended with the payment
    # A client's retry of the done step (409): its lease is not kept for a next step.
    retried = execute(api, payment, token(public_api))
    assert retried.status_code == 409 and usage() == 0
    assert api.call("POST", "/v1/payments", BODY).status_code == 200


@pytest.mark.slow
def test_a_lease_lapses_soon_unless_its_process_renews_it_and_later_between_requests(merchant, api, settings):
    # While a process works on a session's request, the lease lives the working TTL and that
    # process renews it (a killed process's leases lapse within seconds); between the
    # session's requests it lives ADMISSION_LEASE_TTL_SECONDS (the buyer's next step).
    settings.ADMISSION_WORKING_LEASE_TTL_SECONDS = 1.5  # renewed each third: the renewer wakes each 0.2 s
    settings.ADMISSION_RENEW_INTERVAL_SECONDS = 0.2
    settings.ADMISSION_LEASE_TTL_SECONDS = 30
    _contract(merchant, concurrency_window=5, rate_per_second=100)
    r = controller.redis_client()
    window = f"adm:{{{merchant.merchant.public_id}}}:test:win:Card"

    def left(member: str) -> float:
        score = r.zscore(window, member)
        seconds, micros = r.time()
        return score / 1000 - (seconds + micros / 1e6) if score is not None else 0.0

    working = _hold(merchant, 1)[0]
    assert 0 < left(working.lease_id) <= 1.5
    time.sleep(2.0)  # longer than the working TTL
    assert 0 < left(working.lease_id) <= 1.5  # renewed all along
    working.release()
    payment = register(api)
    deadline = time.monotonic() + 2
    while left(f"o:{payment['id']}") < 25:  # the renewal is sent, not waited for
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_the_renewer_keeps_a_kept_lease_unless_its_session_is_worked_on_again(merchant, settings):
    # Keeping a lease for the buyer's next step is left to the renewer (not on the request's
    # time); a session worked on again meanwhile stays on the working TTL, renewed by its process.
    settings.ADMISSION_LEASE_TTL_SECONDS = 30
    _contract(merchant, concurrency_window=5, rate_per_second=100)
    r = controller.redis_client()
    window = f"adm:{{{merchant.merchant.public_id}}}:test:win:Card"
    ids = {"merchant": merchant.merchant.public_id, "merchant_id": merchant.merchant.pk}

    def left(member: str) -> float:
        seconds, micros = r.time()
        return r.zscore(window, member) / 1000 - (seconds + micros / 1e6)

    kept = controller.admit(**ids, mode="test", pay_type="Card", new_session="o:kept").lease
    again = controller.admit(**ids, mode="test", pay_type="Card", new_session="o:again").lease
    kept.keep()
    again.keep()
    worked = controller.admit(**ids, mode="test", pay_type="Card", session="o:again")
    assert worked.admitted and worked.continued
    controller.renewer.renew()
    assert 25 < left("o:kept") <= 30
    assert 0 < left("o:again") <= settings.ADMISSION_WORKING_LEASE_TTL_SECONDS
    worked.lease.release()
    controller.renewer.renew()
    assert r.zscore(window, "o:again") is None  # a released lease is not brought back
    # Worked on again while its keep is on the way to Redis: back to the working TTL next round.
    late = controller.admit(**ids, mode="test", pay_type="Card", new_session="o:late").lease
    late.keep()
    due, kept = controller.renewer.take()
    picked_up = controller.admit(**ids, mode="test", pay_type="Card", session="o:late")
    controller.renewer.send(due, kept)  # the long TTL, sent after the session was picked up
    controller.renewer.renew()
    assert 0 < left("o:late") <= settings.ADMISSION_WORKING_LEASE_TTL_SECONDS
    picked_up.lease.release()


def test_a_new_session_is_named_after_its_payment_from_the_start(merchant, api, monkeypatch):
    _contract(merchant, concurrency_window=5, rate_per_second=100)
    renames = []
    real = controller.Lease.keep

    def keep(lease, name=None):
        if name and name != lease.lease_id:
            renames.append((lease.lease_id, name))
        return real(lease, name)

    monkeypatch.setattr(controller.Lease, "keep", keep)
    payment = register(api)
    window = f"adm:{{{merchant.merchant.public_id}}}:test:win:Card"
    members = {m.decode() for m in controller.redis_client().zrange(window, 0, -1)}
    assert members == {f"o:{payment['id']}"} and renames == []  # one round trip: admit
    own = api.call("POST", "/v1/payments", {**BODY, "id": "merchant-order-1"})
    assert own.status_code == 200 and own.json()["id"] == "merchant-order-1"
    assert [name for _, name in renames] == ["o:merchant-order-1"]  # it may exist already: renamed after
    members = {m.decode() for m in controller.redis_client().zrange(window, 0, -1)}
    assert members == {f"o:{payment['id']}", "o:merchant-order-1"}
    again = api.call("POST", "/v1/payments", {**BODY, "id": "merchant-order-1"})
    assert again.status_code == 409  # the id exists: the existing session keeps its lease
    assert {m.decode() for m in controller.redis_client().zrange(window, 0, -1)} == members


def test_throughput_limit_with_retry_after(merchant, api):
    _contract(merchant, concurrency_window=50, rate_per_second=1, burst_factor=2)
    statuses = [api.call("POST", "/v1/payments", BODY).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    controller.forget_limits()
    refused = api.call("POST", "/v1/payments", BODY)
    assert error_codes(refused) == ["E1500000003"]
    assert int(refused["Retry-After"]) >= 1


def _count_round_trips(monkeypatch) -> list:
    sent = []
    real = controller.redis_admit
    monkeypatch.setattr(controller, "redis_admit", lambda **k: sent.append(k) or real(**k))
    return sent


def test_a_throughput_refusal_holds_in_the_process_until_the_next_slot(merchant, api, monkeypatch):
    _contract(merchant, concurrency_window=50, rate_per_second=1, burst_factor=1)  # 1/s, bucket of 1
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert error_codes(api.call("POST", "/v1/payments", BODY)) == ["E1500000003"]  # from Redis
    sent = _count_round_trips(monkeypatch)
    for _ in range(5):
        held = api.call("POST", "/v1/payments", BODY)
        assert held.status_code == 429 and error_codes(held) == ["E1500000003"]
        assert held["Retry-After"] == "1" and held.json()["message"].startswith("throughput")
    assert sent == []  # the same answer Redis would give, without asking it
    controller.flush_held_refusals()  # the renewer thread does this each second
    stats = controller.recent_stats(merchant=merchant.merchant.public_id, mode="test")
    assert stats["refused:Card:rate"] == 6 and stats["admitted:Card"] == 1
    time.sleep(1.05)  # the cell's next slot
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert len(sent) == 1


def test_a_hold_lasts_no_longer_than_limits_take_to_change(merchant, api, monkeypatch, settings):
    settings.ADMISSION_LIMITS_TTL_SECONDS = 0.2
    _contract(merchant, concurrency_window=50, rate_per_second=1, burst_factor=1)
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert api.call("POST", "/v1/payments", BODY).status_code == 429
    sent = _count_round_trips(monkeypatch)
    assert api.call("POST", "/v1/payments", BODY).status_code == 429 and sent == []
    _contract(merchant, rate_per_second=100)  # an operator raises the rate
    time.sleep(0.25)
    assert api.call("POST", "/v1/payments", BODY).status_code == 200 and len(sent) == 1


def test_a_session_that_goes_on_is_not_held(merchant, api, public_api, monkeypatch):
    from tests.payments.helpers import execute, token

    _contract(merchant, concurrency_window=50, rate_per_second=1, burst_factor=1)
    payment = register(api)
    assert api.call("POST", "/v1/payments", BODY).status_code == 429  # a new session: held from here
    sent = _count_round_trips(monkeypatch)
    done = execute(api, payment, token(public_api))
    assert done.status_code == 200 and done.json()["status"] == "AUTHORIZED"  # its lease admits it
    assert len(sent) == 1


def test_one_merchant_saturated_does_not_touch_another(merchant, other_merchant, api):
    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    assert api.call("POST", "/v1/payments", BODY).status_code == 429
    assert ApiClient(other_merchant.test_secret).call("POST", "/v1/payments", BODY).status_code == 200
    assert (
        ApiClient(merchant.live_secret).call("POST", "/v1/payments", BODY).status_code == 200
    )  # live has its own
    held[0].release()


def test_shadow_mode_counts_but_admits(merchant, api):

    _contract(merchant, concurrency_window=1, rate_per_second=100, window_shadow=True)
    held = _hold(merchant, 1)

    def shadow_count() -> float:
        labels = {"merchant": merchant.merchant.public_id, "method": "Card", "reason": "window"}
        return REGISTRY.get_sample_value("admission_shadow_rejections_total", labels) or 0.0

    before = shadow_count()
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert shadow_count() == before + 1
    held[0].release()


def test_limits_change_live_without_restart(merchant, api, settings):
    settings.ADMISSION_LIMITS_TTL_SECONDS = 0.2
    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    assert api.call("POST", "/v1/payments", BODY).status_code == 429
    contract = Contract.objects.get(merchant=merchant.merchant, pay_type="Card")
    services.contract_update(
        contract=contract, changes={"concurrency_window": 3}, actor=None
    )  # the admin's path
    time.sleep(0.3)
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    held[0].release()


def test_reads_and_other_endpoints_are_not_limited(merchant, api):
    _contract(merchant, concurrency_window=1, rate_per_second=100)
    payment = register(api)  # its session fills the window
    assert api.call("POST", "/v1/payments", BODY).status_code == 429
    assert api.call("GET", f"/v1/payments/{payment['id']}").status_code == 200
    assert api.call("POST", "/v1/customers", {"name": "x"}).status_code == 200


@pytest.mark.parametrize("lookup", ["key", "limits"])
def test_a_database_outage_at_the_door_is_a_retryable_503(merchant, api, monkeypatch, lookup):
    # The door reads the key and the contract's limits from the database unless cached: an
    # unreachable database there gets the API's own answer, not a 500.
    from django.db import OperationalError

    from portal import selectors
    from portal.api.authentication import key_cache

    def refused(*args, **kwargs):
        raise OperationalError("FATAL:  sorry, too many clients already")

    assert api.call("POST", "/v1/payments", BODY).status_code == 200  # both cached now
    if lookup == "key":
        key_cache.clear()
        monkeypatch.setattr(selectors, "api_key_by_hash", refused)
    else:
        controller.forget_limits()
        monkeypatch.setattr(controller, "_load_limits", refused)
    response = api.call("POST", "/v1/payments", BODY)
    assert response.status_code == 503 and response["Retry-After"] == "1"
    assert response["Content-Length"] == str(len(response.content))
    assert error_codes(response) == ["E0000000503"]
    assert "too many clients" not in response.content.decode()
    monkeypatch.undo()
    assert api.call("POST", "/v1/payments", BODY).status_code == 200


def test_metrics_and_operator_page(merchant, api, client):
    from django.contrib.auth.models import Group

    from tests.support import make_user

    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    api.call("POST", "/v1/payments", BODY)
    body = client.get("/metrics").content.decode()
    assert "admission_decisions_total" in body
    assert (
        f'admission_leases_in_use{{merchant="{merchant.merchant.public_id}",method="Card",mode="test"}} 1.0'
        in body
    )
    assert (
        f'admission_leases_cap{{merchant="{merchant.merchant.public_id}",method="Card",mode="test"}} 1.0'
        in body
    )
    assert "admission_check_seconds_bucket" in body
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    assert client.get("/admin/admission/").status_code == 200
    rows = client.get("/admin/admission/data/").json()["rows"]
    row = next(
        r
        for r in rows
        if r["merchant"] == merchant.merchant.public_id and r["mode"] == "test" and r["method"] == "Card"
    )
    assert (row["in_use"], row["cap"], row["refused_last_minute"]) == (1, 1, 1)
    held[0].release()


# --- At the door ---------------------------------------------------------------------------------


def test_a_refusal_stops_before_the_first_database_statement(merchant, api):
    from django.db import connection

    from payments.models import Payment
    from portal.models import IdempotencyRecord

    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    reached = []

    def database(execute, sql, params, many, context):  # the statements that ran
        reached.append(sql)
        return execute(sql, params, many, context)

    assert api.call("GET", "/v1/payments?pay_type=Card").status_code == 200  # the key is cached from here
    with connection.execute_wrapper(database):
        refused = api.call("POST", "/v1/payments", BODY, headers={"Idempotency-Key": "refused-1"})
    assert refused.status_code == 429 and error_codes(refused) == ["E1500000001"]
    assert refused["Retry-After"] == "1" and refused.json()["message"].startswith("concurrency window")
    assert reached == []  # not even the idempotency key's claim
    assert not Payment.objects.exists() and not IdempotencyRecord.objects.exists()
    held[0].release()
    admitted = api.call("POST", "/v1/payments", BODY, headers={"Idempotency-Key": "refused-1"})
    assert admitted.status_code == 200  # the key was never claimed


def test_a_refusal_costs_the_check_alone(merchant, api, monkeypatch):
    from portal.api.authentication import ApiKeyAuthentication

    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    authentications = []
    real = ApiKeyAuthentication.authenticate
    monkeypatch.setattr(
        ApiKeyAuthentication,
        "authenticate",
        lambda self, request: authentications.append(1) or real(self, request),
    )
    sent = _count_round_trips(monkeypatch)
    for _ in range(3):
        assert api.call("POST", "/v1/payments", BODY).status_code == 429
    assert authentications == [] and len(sent) == 3  # one round trip each, nothing of the API
    held[0].release()
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert len(authentications) == 1 and len(sent) == 4


def test_an_invalid_request_that_is_refused_gets_the_refusal(merchant, api):
    _contract(merchant, concurrency_window=1, rate_per_second=100)
    held = _hold(merchant, 1)
    refused = api.call("POST", "/v1/payments", {**BODY, "amount": "not a number"})
    assert refused.status_code == 429  # the check comes first
    held[0].release()
    assert api.call("POST", "/v1/payments", {**BODY, "amount": "not a number"}).status_code == 400
    assert _usage(merchant) == 0  # no payment took the session up: given back


def _usage(merchant) -> int:
    return controller.usage(merchant=merchant.merchant.public_id, mode="test", pay_types=["Card"])["Card"]


def _door(merchant, answer, path: str = "/v1/payments", method: str = "post"):
    """The middleware alone, in front of ``answer(request)`` (the rest of the stack)."""
    import json

    from django.test import RequestFactory

    from payments.admission.middleware import AdmissionMiddleware

    request = getattr(RequestFactory(), method)(
        path,
        data=json.dumps(BODY),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {merchant.test_secret}",
    )
    return AdmissionMiddleware(answer)(request)


def test_the_lease_is_given_back_when_the_answer_has_been_sent(merchant):
    from django.http import JsonResponse

    _contract(merchant, concurrency_window=5, rate_per_second=100)
    seen = []

    def answer(request):
        seen.append(_usage(merchant))  # held while the request works
        return JsonResponse({"status": "?"}, status=400)

    response = _door(merchant, answer)
    assert seen == [1] and _usage(merchant) == 1  # not given back on the client's time …
    response.close()  # … but once the server has sent the answer
    assert _usage(merchant) == 0


def test_the_lease_is_given_back_when_the_request_fails(merchant):
    _contract(merchant, concurrency_window=5, rate_per_second=100)

    def answer(request):
        assert _usage(merchant) == 1
        raise RuntimeError("the view failed")

    with pytest.raises(RuntimeError):
        _door(merchant, answer)
    assert _usage(merchant) == 0


def test_a_streamed_answer_holds_the_lease_until_it_has_been_sent(merchant):
    from django.http import StreamingHttpResponse

    _contract(merchant, concurrency_window=5, rate_per_second=100)

    def answer(request):
        return StreamingHttpResponse(iter([b"one", b"two"]))

    response = _door(merchant, answer)
    assert b"".join(response) == b"onetwo" and _usage(merchant) == 1
    response.close()  # what the WSGI server does once the last chunk is written
    assert _usage(merchant) == 0


def test_the_payment_operations_say_whether_the_session_goes_on(merchant):
    from django.http import JsonResponse

    from payments.admission import sessions

    _contract(merchant, concurrency_window=5, rate_per_second=100)
    window = f"adm:{{{merchant.merchant.public_id}}}:test:win:Card"

    def going_on(request):
        sessions.session_continue(request, order_id="o_123")
        return JsonResponse({})

    _door(merchant, going_on).close()
    assert [m.decode() for m in controller.redis_client().zrange(window, 0, -1)] == ["o:o_123"]

    def ended(request):
        sessions.session_end(request)
        return JsonResponse({})

    continued = _door(merchant, ended, path="/v1/payments/o_123", method="put")
    assert _usage(merchant) == 1  # given back once sent
    continued.close()
    assert _usage(merchant) == 0

    def silent(request):  # an operation that says nothing (a declined card, say)
        return JsonResponse({}, status=402)

    _door(merchant, going_on).close()
    _door(merchant, silent, path="/v1/payments/o_123", method="put").close()
    assert _usage(merchant) == 1  # a session under way goes on as it was
    _door(merchant, silent).close()
    assert _usage(merchant) == 1  # a new session nobody took up is given back


def test_a_restarted_redis_without_its_scripts_still_decides(merchant, api):

    _contract(merchant, concurrency_window=5, rate_per_second=100)
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    failures = _failures()
    controller.redis_client().script_flush()  # what a restart does to the script cache
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert (
        controller.usage(merchant=merchant.merchant.public_id, mode="test", pay_types=["Card"])["Card"] == 2
    )
    assert _failures() == failures  # no fallback


def test_a_connection_closed_by_redis_is_replaced_not_failed(merchant, api):

    _contract(merchant, concurrency_window=5, rate_per_second=100)
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    own = controller.redis_client().client_id()  # the pool's one connection (one thread here)
    redis.Redis.from_url(settings.REDIS_URL).client_kill_filter(_id=own)
    time.sleep(0.05)
    failures = _failures()
    assert api.call("POST", "/v1/payments", BODY).status_code == 200
    assert _failures() == failures
    assert (
        controller.usage(merchant=merchant.merchant.public_id, mode="test", pay_types=["Card"])["Card"] == 2
    )


# --- Exactness with several processes against real Redis -------------------------------------------


def _naive_admit(r: redis.Redis, key: str, cap: int, lease: str, ttl_ms: int) -> bool:
    """Deliberately non-atomic: read, then write, in two round trips (what the Lua script avoids)."""
    now_ms = int(time.time() * 1000)
    r.zremrangebyscore(key, "-inf", now_ms)
    if r.zcard(key) >= cap:
        return False
    r.zadd(key, {lease: now_ms + ttl_ms})
    return True


def _window_worker(args) -> int:
    variant, cap, seconds, index = args
    controller.reset()
    r = redis.Redis.from_url(settings.REDIS_URL)
    limits = Limits(
        pay_type="Card", window=cap, window_shadow=False, rate=1_000_000, burst=1_000_000, rate_shadow=False
    )
    key = "adm:{mc_exact}:test:win:Card"
    over = 0
    end = time.time() + seconds
    n = 0
    while time.time() < end:
        n += 1
        if variant == "atomic":
            decision = controller.admit(
                merchant="mc_exact", merchant_id=0, mode="test", pay_type="Card", limits=limits
            )
            admitted, lease = decision.admitted, decision.lease
        else:
            lease_id = f"{index}-{n}"
            admitted = _naive_admit(r, key, cap, lease_id, 30_000)
        if not admitted:
            continue
        inside = r.incr("exact:inflight")
        if inside > cap:
            over = max(over, inside)
        time.sleep(0.001)
        r.decr("exact:inflight")
        if variant == "atomic":
            lease.release()
        else:
            r.zrem(key, lease_id)
    return over


def _run_window(variant: str, cap: int = 3, processes: int = 6, seconds: float = 2.0) -> int:
    with mp.get_context("fork").Pool(processes) as pool:
        results = pool.map(_window_worker, [(variant, cap, seconds, i) for i in range(processes)])
    return max(results)


@pytest.mark.slow
def test_in_flight_never_above_the_cap_with_several_processes():
    assert _run_window("atomic") == 0


@pytest.mark.slow
def test_the_same_harness_catches_a_non_atomic_window():
    worst = _run_window("naive")
    assert worst > 3, "the non-atomic variant should over-admit under concurrency"


def _gcra_worker(args) -> int:
    rate, burst, seconds = args
    r = redis.Redis.from_url(settings.REDIS_URL)
    script = GcraScript(r)
    admitted = 0
    end = time.time() + seconds
    while time.time() < end:
        if script("adm:{mc_gcra}:test:rate:Card", rate_per_second=rate, burst=burst).allowed:
            admitted += 1
    return admitted


@pytest.mark.slow
def test_gcra_admits_at_most_burst_plus_rate_times_time():
    r = redis.Redis.from_url(settings.REDIS_URL)
    rate, burst, seconds = 50, 10, 2.0
    start = r.time()
    with mp.get_context("fork").Pool(6) as pool:
        counts = pool.map(_gcra_worker, [(rate, burst, seconds)] * 6)
    end = r.time()
    elapsed = (end[0] - start[0]) + (end[1] - start[1]) / 1e6
    admitted = sum(counts)
    assert admitted <= burst + rate * elapsed
    assert admitted >= rate * (seconds - 0.5)  # and it does admit at the rate


# --- Crashed holders and Redis failures -------------------------------------------------------------------


def _hold_and_sleep(cap: int, ttl: float, ready) -> None:
    settings.ADMISSION_WORKING_LEASE_TTL_SECONDS = ttl
    controller.reset()
    limits = Limits(
        pay_type="Card", window=cap, window_shadow=False, rate=1000, burst=1000, rate_shadow=False
    )
    for _ in range(cap):
        assert controller.admit(
            merchant="mc_crash", merchant_id=0, mode="test", pay_type="Card", limits=limits
        ).admitted
    ready.set()
    time.sleep(60)


@pytest.mark.slow
def test_leases_of_a_killed_process_expire_by_themselves(settings):
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    holder = ctx.Process(target=_hold_and_sleep, args=(2, 1.5, ready))
    holder.start()
    assert ready.wait(10)
    os.kill(holder.pid, signal.SIGKILL)
    holder.join()
    controller.reset()
    limits = Limits(pay_type="Card", window=2, window_shadow=False, rate=1000, burst=1000, rate_shadow=False)
    assert not controller.admit(
        merchant="mc_crash", merchant_id=0, mode="test", pay_type="Card", limits=limits
    ).admitted
    time.sleep(1.7)
    assert controller.admit(
        merchant="mc_crash", merchant_id=0, mode="test", pay_type="Card", limits=limits
    ).admitted


@pytest.fixture
def private_redis(tmp_path, settings):
    """A Redis server of the test's own, so that it can be stopped and hung."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(50):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    settings.ADMISSION_REDIS_URL = url
    settings.ADMISSION_REDIS_RETRY_SECONDS = 1
    controller.reset()
    yield process
    process.send_signal(signal.SIGCONT)
    process.kill()
    process.wait()
    controller.reset()


def _timed_register(api):
    started = time.perf_counter()
    response = api.call("POST", "/v1/payments", BODY)
    return response, time.perf_counter() - started


@pytest.mark.slow
@pytest.mark.parametrize("failure", ["hung", "stopped"])
def test_redis_failure_fail_open_to_a_local_cap(merchant, api, private_redis, settings, failure):
    settings.ADMISSION_FAILURE_MODE = "open"
    settings.ADMISSION_FAIL_OPEN_SHARE = 0.5
    _contract(merchant, concurrency_window=4, rate_per_second=100)
    assert _timed_register(api)[0].status_code == 200
    private_redis.send_signal(signal.SIGSTOP if failure == "hung" else signal.SIGKILL)
    response, elapsed = _timed_register(api)
    assert response.status_code == 200
    assert elapsed < settings.ADMISSION_REDIS_TIMEOUT + 0.5

    assert _failures() >= 1
    # The local cap (half of the window of 4) applies while Redis is away.
    held = [
        controller.admit(
            merchant=merchant.merchant.public_id,
            merchant_id=merchant.merchant.pk,
            mode="test",
            pay_type="Card",
        )
        for _ in range(3)
    ]
    assert [d.admitted for d in held] == [True, True, False]
    assert all(d.fallback for d in held)
    # A payment's next step is not refused (in Redis its session's lease admits it), and it
    # counts: new sessions are refused until it is done.
    goes_on = controller.admit(
        merchant=merchant.merchant.public_id,
        merchant_id=merchant.merchant.pk,
        mode="test",
        pay_type="Card",
        session="o:under-way",
    )
    assert goes_on.admitted and goes_on.fallback
    held[0].lease.release()
    again = controller.admit(
        merchant=merchant.merchant.public_id, merchant_id=merchant.merchant.pk, mode="test", pay_type="Card"
    )
    assert not again.admitted and again.reason == "window"
    for decision in [*held, goes_on]:
        if decision.lease:
            decision.lease.release()


def test_the_local_gcra_admits_burst_plus_rate_times_time_and_says_when_to_retry():
    import random

    interval, burst = emission_interval_us(3), 5  # 3/s, 5 at once
    rng = random.Random(7)
    tat, now, admitted = None, 10**12, 0
    result, tat = gcra_step(tat, now, interval_us=interval, burst=burst)
    start = now
    admitted += result.allowed
    for _ in range(5000):
        now += rng.randrange(0, 200_000)  # up to 0.2 s apart, often at once
        result, kept = gcra_step(tat, now, interval_us=interval, burst=burst)
        if result.allowed:
            admitted += 1
        else:
            assert result.retry_after_us > 0
            assert gcra_step(tat, now + result.retry_after_us, interval_us=interval, burst=burst)[0].allowed
            assert kept == tat  # a refusal takes nothing
        tat = kept
        assert admitted <= burst + (now - start) * 3 // 1_000_000
    assert admitted >= (now - start) * 3 // 1_000_000 - 1  # and it does admit at its rate


def test_fail_open_keeps_each_process_to_its_share_of_the_rate(merchant, private_redis, settings):
    # While Redis is away, a burst is held to the process's share of the rate too, not only of
    # the window: admitted ≤ burst + rate × time, locally, with the GCRA's arithmetic.
    settings.ADMISSION_FAILURE_MODE = "open"
    settings.ADMISSION_FAIL_OPEN_SHARE = 0.5
    _contract(merchant, concurrency_window=100, rate_per_second=4, burst_factor=1)  # bucket of 4
    private_redis.kill()
    private_redis.wait()
    ids = {"merchant": merchant.merchant.public_id, "merchant_id": merchant.merchant.pk}
    started = time.monotonic()
    decisions = []
    while time.monotonic() - started < 1.5:
        decisions.append(controller.admit(**ids, mode="test", pay_type="Card"))
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    assert all(d.fallback for d in decisions)
    admitted = [d for d in decisions if d.admitted]
    assert 2 + 1 <= len(admitted) <= 2 + 2 * elapsed  # burst 4 × ½, then 4/s × ½
    refused = [d for d in decisions if not d.admitted]
    assert {d.reason for d in refused} == {"rate"} and all(d.retry_after == 1 for d in refused)
    # The rate counts new sessions only: a payment's next step goes on (as in Redis).
    goes_on = controller.admit(**ids, mode="test", pay_type="Card", session="o:in-progress")
    assert goes_on.admitted and goes_on.fallback
    for decision in [*admitted, goes_on]:
        decision.lease.release()


@pytest.mark.slow
def test_redis_is_asked_again_while_requests_keep_coming(private_redis, settings, caplog):
    # Requests decided by the fallback must not put off asking Redis again: under steady
    # traffic, a process would otherwise fail open for good after one short outage.
    settings.ADMISSION_FAILURE_MODE = "open"
    limits = Limits(pay_type="Card", window=8, window_shadow=False, rate=1000, burst=1000, rate_shadow=False)

    def check():
        decision = controller.admit(
            merchant="mc_back", merchant_id=0, mode="test", pay_type="Card", limits=limits
        )
        if decision.lease:
            decision.lease.release()
        return decision

    assert not check().fallback
    private_redis.send_signal(signal.SIGSTOP)
    until = time.monotonic() + 1.5
    while time.monotonic() < until:
        assert check().fallback
        time.sleep(0.02)
    private_redis.send_signal(signal.SIGCONT)
    back = time.monotonic()
    while check().fallback:  # a request every 20 ms, all along
        assert time.monotonic() - back < settings.ADMISSION_REDIS_RETRY_SECONDS + 1
        time.sleep(0.02)
    assert "Redis answers again" in caplog.text
    assert caplog.text.count("Redis unavailable") == 1  # the first failure, not every fallback


@pytest.mark.slow
def test_redis_failure_fail_closed(merchant, api, private_redis, settings):
    settings.ADMISSION_FAILURE_MODE = "closed"
    _contract(merchant, concurrency_window=4, rate_per_second=100)
    private_redis.send_signal(signal.SIGSTOP)
    response, elapsed = _timed_register(api)
    assert response.status_code == 503
    assert error_codes(response) == ["E1500000005"]
    assert elapsed < settings.ADMISSION_REDIS_TIMEOUT + 0.5
    second, elapsed = _timed_register(api)  # within the retry period: no wait at all
    assert second.status_code == 503 and elapsed < 0.2
    private_redis.send_signal(signal.SIGCONT)
    time.sleep(settings.ADMISSION_REDIS_RETRY_SECONDS + 0.2)
    assert _timed_register(api)[0].status_code == 200
