"""The public status page: stored check results, provider outages, staleness, incidents, feed."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.utils import timezone

from status import services
from status.checks import CheckResult
from status.models import ComponentStatus, Incident, Maintenance
from status.tasks import run_checks

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
ALL = [
    "api",
    "card",
    "wallet-paypay",
    "wallet-dpay",
    "wallet-rakutenpay",
    "konbini",
    "bank",
    "webhooks",
    "queue",
]


def _components(client) -> dict[str, dict]:
    response = client.get("/status.json")
    assert response.status_code == 200
    return {c["id"]: c for c in response.json()["components"]}


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now: connections are refused
    return port


def test_page_and_json_for_an_anonymous_visitor(client, providers):
    assert run_checks.delay().get() == dict.fromkeys(ALL, "operational")
    assert sorted(ComponentStatus.objects.values_list("component", flat=True)) == sorted(ALL)

    body = client.get("/status.json").json()
    assert body["status"] == "operational"
    assert [c["id"] for c in body["components"]] == ALL
    card = body["components"][1]
    assert (card["name"], card["status"], card["checked_status"], card["reason"]) == (
        "Card payments", "operational", "operational", "reachable",
    )  # fmt: skip
    assert body["incidents"] == {"current": [], "recent": []}
    assert body["maintenance"] == {"active": [], "upcoming": []}
    # The probes went to the providers' addresses (one cheap GET each).
    assert sorted(providers.requests) == sorted(
        ["/sim/acquirer/", "/sim/paypay/", "/sim/dpay/", "/sim/rakutenpay/", "/sim/konbini/", "/sim/bank/"]
    )

    page = client.get("/status")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="overall-status">Operational' in html.replace("\n", "")
    assert 'id="component-konbini" data-status="operational"' in html
    assert "QR wallet: PayPay" in html and "Webhook delivery" in html and "Background jobs" in html


def test_the_page_never_runs_a_check(client, providers, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert client.get("/status.json").status_code == 200
    assert providers.requests == []
    assert ComponentStatus.objects.count() == 0
    assert {c["status"] for c in _components(client).values()} == {"unknown"}


def test_provider_answering_500_is_an_outage_until_it_recovers(client, providers):
    run_checks.delay()
    providers.fail("/sim/konbini", 500)
    run_checks.delay()
    components = _components(client)
    assert (components["konbini"]["status"], components["konbini"]["reason"]) == (
        "outage",
        "answering HTTP 500",
    )
    assert {k: c["status"] for k, c in components.items() if k != "konbini"} == {
        k: "operational" for k in ALL if k != "konbini"
    }
    assert client.get("/status.json").json()["status"] == "outage"
    assert 'id="component-konbini" data-status="outage"' in client.get("/status").content.decode()
    since = ComponentStatus.objects.get(component="konbini").since

    providers.restore()
    run_checks.delay()
    konbini = ComponentStatus.objects.get(component="konbini")
    assert (konbini.state, konbini.reason) == ("operational", "reachable")
    assert konbini.since > since
    assert client.get("/status.json").json()["status"] == "operational"


def test_acquirer_on_a_closed_port_is_an_outage(client, providers, settings):
    settings.ACQUIRER_SIMULATOR_URL = f"http://127.0.0.1:{_closed_port()}/acquirer"
    run_checks.delay()
    card = _components(client)["card"]
    assert (card["status"], card["reason"]) == ("outage", "unreachable (ConnectError)")
    settings.ACQUIRER_SIMULATOR_URL = f"{providers.url}/sim/acquirer"
    run_checks.delay()
    assert _components(client)["card"]["status"] == "operational"


def test_open_circuit_breaker_is_an_outage_and_recent_failures_degrade(client, providers, settings):
    from payments.providers.breaker import breaker_failure

    breaker_failure("dpay")
    for _ in range(settings.PROVIDER_BREAKER_FAILURES):
        breaker_failure("paypay")
    run_checks.delay()
    components = _components(client)
    assert (components["wallet-dpay"]["status"], components["wallet-dpay"]["reason"]) == (
        "degraded", "1 failed call(s) in the last minute",
    )  # fmt: skip
    assert components["wallet-paypay"]["status"] == "outage"
    assert components["wallet-rakutenpay"]["status"] == "operational"


def test_results_older_than_three_minutes_are_unknown(client, providers):
    run_checks.delay()
    ComponentStatus.objects.filter(component="bank").update(
        checked_at=timezone.now() - timedelta(seconds=181)
    )
    components = _components(client)
    assert (components["bank"]["status"], components["bank"]["reason"]) == (
        "unknown",
        "no recent check result",
    )
    assert components["konbini"]["status"] == "operational"
    assert client.get("/status.json").json()["status"] == "unknown"


def test_an_older_result_never_overwrites_a_newer_one(db):
    now = timezone.now()
    ok, down = CheckResult("operational", "reachable"), CheckResult("outage", "answering HTTP 503")
    assert services.component_status_record(component="bank", result=ok, checked_at=now) is True
    assert (
        services.component_status_record(component="bank", result=down, checked_at=now - timedelta(seconds=5))
        is False
    )
    row = ComponentStatus.objects.get(component="bank")
    assert (row.state, row.checked_at, row.since) == ("operational", now, now)
    later = now + timedelta(seconds=60)
    assert services.component_status_record(component="bank", result=ok, checked_at=later) is True
    row.refresh_from_db()
    assert (row.checked_at, row.since) == (later, now)  # still the same state: since unchanged


def test_webhook_delivery_lag_is_measured_from_the_oldest_due_delivery(client, providers, api, receiver):
    from payments.models import WebhookDelivery
    from tests.payments.flows import register, subscribe

    subscribe(api, receiver.url, "payments.paypay.regist")
    register(api, "Paypay")  # the outbox: one pending delivery (sent after the commit)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"
    run_checks.delay()
    assert _components(client)["webhooks"]["status"] == "operational"
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    run_checks.delay()
    assert _components(client)["webhooks"]["reason"] == "delivery lag 0s"  # a retry not yet due is no lag

    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=90)
    )
    run_checks.delay()
    webhooks = _components(client)["webhooks"]
    assert webhooks["status"] == "degraded" and webhooks["reason"].startswith("deliveries delayed by 9")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=15)
    )
    run_checks.delay()
    assert _components(client)["webhooks"]["status"] == "outage"
    assert ComponentStatus.objects.get(component="webhooks").detail["lag_seconds"] >= 900


def _feed_entries(client) -> dict[str, ET.Element]:
    response = client.get("/status/feed.atom")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own answer, not untrusted input)
    assert root.tag == f"{ATOM}feed"
    return {e.find(f"{ATOM}title").text: e for e in root.findall(f"{ATOM}entry")}


def test_incidents_and_maintenance_on_page_json_and_feed(client, providers):
    run_checks.delay()
    incident = services.incident_create(
        title="Konbini payments failing", impact="outage", components=["konbini"],
        message="Slips cannot be issued.", actor=None,
    )  # fmt: skip
    now = timezone.now()
    notice = services.maintenance_create(
        title="Bank partner upgrade", message="Transfers are matched later.", starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=1, hours=2), components=["bank"], actor=None,
    )  # fmt: skip

    body = client.get("/status.json").json()
    components = {c["id"]: c for c in body["components"]}
    # The open incident overrides the check result (operational; "degraded" when a konbini call
    # of a neighbouring test's worker still failed within the minute: the breaker is shared).
    assert components["konbini"]["status"] == "outage"
    assert components["konbini"]["checked_status"] in {"operational", "degraded"}
    assert components["konbini"]["incidents"] == [incident.public_id]
    assert components["bank"]["status"] == "operational"  # maintenance not started yet
    [current] = body["incidents"]["current"]
    assert (current["id"], current["title"], current["status"], current["components"]) == (
        incident.public_id, "Konbini payments failing", "investigating", ["konbini"],
    )  # fmt: skip
    assert [u["message"] for u in current["updates"]] == ["Slips cannot be issued."]
    assert [m["id"] for m in body["maintenance"]["upcoming"]] == [notice.public_id]

    html = client.get("/status").content.decode()
    assert "Konbini payments failing" in html and "Slips cannot be issued." in html
    assert "Bank partner upgrade" in html and f'id="{notice.public_id}"' in html

    entries = _feed_entries(client)
    assert set(entries) == {"[Investigating] Konbini payments failing", "[Maintenance] Bank partner upgrade"}
    entry = entries["[Investigating] Konbini payments failing"]
    assert entry.find(f"{ATOM}id").text == f"urn:merchant-portal:status:{incident.public_id}"
    assert "Slips cannot be issued." in entry.find(f"{ATOM}summary").text

    services.incident_update_post(
        incident=incident, status="resolved", message="Slips are issued again.", actor=None
    )
    body = client.get("/status.json").json()
    assert body["incidents"]["current"] == []
    assert [i["id"] for i in body["incidents"]["recent"]] == [incident.public_id]
    assert [u["status"] for u in body["incidents"]["recent"][0]["updates"]] == ["resolved", "investigating"]
    assert {c["id"]: c["status"] for c in body["components"]}["konbini"] == "operational"
    assert "[Resolved] Konbini payments failing" in _feed_entries(client)


def test_maintenance_in_progress_shows_on_its_components(client, providers):
    run_checks.delay()
    now = timezone.now()
    services.maintenance_create(
        title="Database upgrade", message="", starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=1),
        components=["api"], actor=None,
    )  # fmt: skip
    body = client.get("/status.json").json()
    assert {c["id"]: c["status"] for c in body["components"]}["api"] == "maintenance"
    assert [m["title"] for m in body["maintenance"]["active"]] == ["Database upgrade"]
    assert body["status"] == "maintenance"


def test_wrong_methods_and_unknown_components_are_refused(client, db):
    from portal.errors import PortalError

    assert client.post("/status.json").status_code == 405
    assert client.post("/status").status_code in (403, 405)  # CSRF or method: never a 500
    with pytest.raises(PortalError):
        services.incident_create(title="x", impact="outage", components=["nope"], message="m", actor=None)
    assert Incident.objects.count() == 0
    with pytest.raises(PortalError):
        now = timezone.now()
        services.maintenance_create(
            title="x", message="", starts_at=now, ends_at=now, components=[], actor=None
        )
    assert Maintenance.objects.count() == 0
