"""One stream of security events from a scripted attack, the rules that raise alerts (once per
period), their delivery by e-mail and a JSON webhook, and the ECS log line for the SIEM."""

from __future__ import annotations

import logging
import threading

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal import services as portal_services
from portal.api.authentication import key_cache
from portal.models import ApiKey
from security import key_events, services
from security.models import Alert, AlertRule, Kind, SecurityEvent
from tests.support import ApiClient, make_merchant, make_user

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-operator-passphrase"


@pytest.fixture(autouse=True)
def _fresh_key_addresses():
    key_events.seen_forget()
    yield
    key_events.seen_forget()


def _route(rule_name: str, *, webhook: str = "", email: str = "") -> AlertRule:
    rule = AlertRule.objects.get(name=rule_name)
    rule.webhook_url, rule.email_to = webhook, email
    rule.save()
    return rule


def _events(kind: str) -> list[SecurityEvent]:
    return list(SecurityEvent.objects.filter(kind=kind).order_by("id"))


def test_password_guessing_from_one_address_raises_one_alert_by_mail_and_webhook(
    client, hook, django_capture_on_commit_callbacks
):
    make_user(email="victim@shop.example", password=PASSWORD)
    rule = _route("Password guessing from one address", webhook=hook.url, email="soc@payco.example")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):  # a script trying passwords against several accounts
            client.post(
                "/login/",
                {"username": f"user{n % 3}@shop.example", "password": f"guess-{n}"},
                REMOTE_ADDR="203.0.113.9",
            )
    failed = _events(Kind.LOGIN_FAILED)
    assert len(failed) == 12
    assert {e.source_ip for e in failed} == {"203.0.113.9"}
    assert failed[0].summary == "Failed sign-in to the portal as user0@shop.example"
    (alert,) = Alert.objects.filter(rule=rule)  # once, not once per event past the threshold
    assert (alert.group_key, alert.event_count, alert.delivery) == ("203.0.113.9", 10, "delivered")
    (posted,) = hook.received
    body = posted.json
    assert body["text"].startswith(":rotating_light: [warning] Password guessing from one address")
    assert body["alert"]["group"] == "203.0.113.9" and body["alert"]["count"] == 10
    assert body["alert"]["last_event"]["source_ip"] == "203.0.113.9"
    (message,) = [m for m in mail.outbox if m.to == ["soc@payco.example"]]
    assert "Password guessing from one address" in message.subject
    # Another address is another group: no alert for 3 tries.
    for _ in range(3):
        client.post("/login/", {"username": "x@shop.example", "password": "nope"}, REMOTE_ADDR="198.51.100.7")
    assert Alert.objects.filter(rule=rule).count() == 1


def test_lockouts_are_events_too(client):
    make_user(email="locked@shop.example", password=PASSWORD)
    for _ in range(6):
        client.post(
            "/login/", {"username": "locked@shop.example", "password": "wrong"}, REMOTE_ADDR="192.0.2.4"
        )
    (locked,) = _events(Kind.LOGIN_THROTTLED)  # deduplicated: one per minute and source
    assert locked.source_ip == "192.0.2.4" and locked.actor_label == "locked@shop.example"
    assert Alert.objects.filter(rule__kind=Kind.LOGIN_THROTTLED, group_key="192.0.2.4").count() == 1


def test_api_key_guessing_then_throttling(settings, still_ratelimit_clock):
    settings.API_AUTH_FAILURES_PER_MINUTE = 20
    attacker = ApiClient("m_test_" + "A" * 40, REMOTE_ADDR="203.0.113.50")
    for _ in range(25):
        response = attacker.call("GET", "/v1/customers")
        assert response.status_code in {401, 429}
    invalid = _events(Kind.API_KEY_INVALID)
    assert len(invalid) == 20 and invalid[0].source_ip == "203.0.113.50"
    assert len(_events(Kind.API_KEY_THROTTLED)) == 1
    assert Alert.objects.filter(
        rule__name="API key guessing from one address", group_key="203.0.113.50"
    ).exists()
    assert Alert.objects.filter(rule__name="API authentication throttled").count() == 1


def test_a_revoked_key_in_use_and_a_key_from_a_new_address():
    shop = make_merchant(name="Keyed shop")

    def api(address):
        return ApiClient(shop.test_secret, REMOTE_ADDR=address)

    assert api("10.1.0.1").call("GET", "/v1/customers").status_code == 200
    assert api("10.1.0.1").call("GET", "/v1/customers").status_code == 200
    assert _events(Kind.API_KEY_NEW_ADDRESS) == []  # a key's first address is not news
    assert api("10.1.0.2").call("GET", "/v1/customers").status_code == 200
    (new,) = _events(Kind.API_KEY_NEW_ADDRESS)
    assert (new.source_ip, new.merchant_id) == ("10.1.0.2", shop.merchant.pk)
    assert shop.test_secret not in new.summary and new.summary.startswith("Test key m_test_")

    key = ApiKey.objects.get(merchant=shop.merchant, mode="test", kind=ApiKey.Kind.SECRET)
    portal_services.api_key_revoke(key=key, actor=shop.owner)
    key_cache.clear()
    assert api("10.1.0.3").call("GET", "/v1/customers").status_code == 401
    (revoked,) = _events(Kind.API_KEY_REVOKED)
    assert revoked.actor_label == shop.owner.email
    (used,) = _events(Kind.API_KEY_REVOKED_USED)
    assert used.merchant_id == shop.merchant.pk and used.source_ip == "10.1.0.3"
    assert Alert.objects.filter(
        rule__name="Revoked API key still in use", group_key=shop.merchant.public_id
    ).exists()


def test_a_key_roll_is_recorded():
    shop = make_merchant(name="Rolling shop")
    key = ApiKey.objects.get(merchant=shop.merchant, mode="test", kind=ApiKey.Kind.SECRET)
    from datetime import timedelta

    portal_services.api_key_roll(key=key, grace=timedelta(hours=1), actor=shop.owner)
    (rolled,) = _events(Kind.API_KEY_ROLLED)
    assert rolled.merchant_id == shop.merchant.pk and key.masked in rolled.summary


def test_staff_permission_changes(hook, django_capture_on_commit_callbacks):
    _route("Staff permissions changed", webhook=hook.url)
    with django_capture_on_commit_callbacks(execute=True):
        user = make_user(email="new.ops@payco.example", is_staff=True)
        user.groups.add(Group.objects.get(name="operator"))
        user.is_superuser = True
        user.save()
    summaries = [e.summary for e in _events(Kind.STAFF_PERMISSIONS_CHANGED)]
    assert "new.ops@payco.example added to operator" in summaries
    assert any("is_superuser False→True" in s for s in summaries)
    assert hook.received  # the rule's webhook heard of it
    # A sign-in (last_login) is not a permission change.
    before = SecurityEvent.objects.count()
    user.save(update_fields=["last_login"])
    assert SecurityEvent.objects.count() == before


def test_a_wrong_one_time_code_is_an_event(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    operator = make_user(email="otp.ops@payco.example", password=PASSWORD, is_staff=True, is_superuser=True)
    device = TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
    response = client.post(
        "/admin/login/",
        {
            "username": operator.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": "000000",
        },
        REMOTE_ADDR="192.0.2.77",
    )
    assert response.status_code == 200  # the form again
    (failed,) = _events(Kind.OTP_FAILED)
    assert failed.actor_label == operator.email and failed.source_ip == "192.0.2.77"


def test_a_webhook_url_change_is_recorded_without_its_query_string():
    shop = make_merchant(name="Hooked shop")
    api = ApiClient(shop.test_secret)
    created = api.call(
        "POST",
        "/v1/webhook_settings",
        {"url": "https://shop.example/hooks?token=s3cret", "event": "payments.card.exec"},
    )
    assert created.status_code == 200, created.content
    setting_id = created.json()["id"]
    changed = api.call("PUT", f"/v1/webhook_settings/{setting_id}", {"url": "https://evil.example/collect"})
    assert changed.status_code == 200, changed.content
    first, second = _events(Kind.WEBHOOK_URL_CHANGED)
    assert first.summary.endswith("(none) → https://shop.example/hooks")
    assert second.summary.endswith("https://shop.example/hooks → https://evil.example/collect")
    assert "s3cret" not in first.summary + str(first.detail)


def test_an_alert_is_raised_once_by_concurrent_writers(transactional_db):
    rule = AlertRule.objects.create(
        name="Test concurrency",
        kind=Kind.OUTBOUND_REFUSED,
        threshold=1,
        window_seconds=60,
        cooldown_seconds=600,
    )
    barrier = threading.Barrier(4)
    raised = []

    def record():
        barrier.wait()
        try:
            event = services.security_event_record(kind=Kind.OUTBOUND_REFUSED, summary="refused evil.example")
            raised.append(event)
        finally:
            connection.close()

    threads = [threading.Thread(target=record) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len([e for e in raised if e]) == 4
    assert Alert.objects.filter(rule=rule).count() == 1


def test_a_rate_rule_compares_with_the_usual(settings):
    rule = AlertRule.objects.create(
        name="Test rate",
        kind=Kind.WEBHOOK_URL_CHANGED,
        rule_type=AlertRule.Type.RATE,
        threshold=3,
        window_seconds=60,
        rate_factor=2,
        cooldown_seconds=1,
    )
    from datetime import timedelta

    from django.utils import timezone

    # The usual: 6 events in each of the six previous minutes → 6 per window on average.
    now = timezone.now()
    SecurityEvent.objects.bulk_create(
        SecurityEvent(
            kind=Kind.WEBHOOK_URL_CHANGED, occurred_at=now - timedelta(seconds=70 + 10 * i), summary="old"
        )
        for i in range(36)
    )
    for _ in range(5):  # 5 in this window: above the threshold, not twice the usual
        services.security_event_record(kind=Kind.WEBHOOK_URL_CHANGED, summary="now")
    assert not Alert.objects.filter(rule=rule).exists()
    for _ in range(8):  # 13: more than twice the usual
        services.security_event_record(kind=Kind.WEBHOOK_URL_CHANGED, summary="now")
    assert Alert.objects.filter(rule=rule).exists()


def test_every_event_is_an_ecs_log_line_for_the_siem(caplog):
    with caplog.at_level(logging.INFO, logger="security"):
        services.security_event_record(
            kind=Kind.LOGIN_FAILED, summary="Failed sign-in as 4111111111111111", source_ip="192.0.2.1"
        )
    (record,) = [r for r in caplog.records if r.name == "security" and "security event" in r.getMessage()]
    fields = vars(record)
    assert fields["event.action"] == "login.failed"
    assert fields["event.category"] == ["authentication"] and fields["event.outcome"] == "failure"
    assert fields["source.ip"] == "192.0.2.1"
    assert "4111111111111111" not in record.getMessage()  # card numbers masked, in the row as well
    assert "4111111111111111" not in SecurityEvent.objects.get().summary


def test_operators_see_events_and_alerts_in_the_admin(client):
    services.security_event_record(kind=Kind.OUTBOUND_REFUSED, summary="refused evil.example")
    operator = make_user(email="ops@payco.example", is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    events = client.get("/admin/security/securityevent/")
    assert events.status_code == 200 and b"refused evil.example" in events.content
    assert client.get("/admin/security/alert/").status_code == 200
    rules = client.get("/admin/security/alertrule/")
    assert rules.status_code == 200 and b"Password guessing from one address" in rules.content


def test_an_admission_refusal_storm_is_an_event_once(merchant, api, settings):
    from payments.admission import controller
    from portal.models import Contract

    contract = Contract.objects.get(merchant=merchant.merchant, pay_type="Card")
    portal_services.contract_update(contract=contract, changes={"concurrency_window": 1}, actor=None)
    controller.forget_limits()
    held = controller.admit(
        merchant=merchant.merchant.public_id, merchant_id=merchant.merchant.pk, mode="test", pay_type="Card"
    )
    assert held.admitted
    body = {"pay_type": "Card", "job_code": "AUTH", "amount": "100"}
    refused = [api.call("POST", "/v1/payments", body).status_code for _ in range(4)]
    assert refused == [429] * 4
    assert services.admission_storms_check(threshold=3) == 1
    (storm,) = _events(Kind.ADMISSION_REFUSAL_STORM)
    assert storm.merchant_id == merchant.merchant.pk and "4 payment requests" in storm.summary
    assert services.admission_storms_check(threshold=3) == 0  # once per 5 minutes
    assert services.admission_storms_check(threshold=100) == 0


def test_a_refused_outbound_destination_is_an_event(settings):
    import httpx

    from portal.outbound import OutboundRefused, outbound_client

    settings.OUTBOUND_ALLOWED_HOSTS = ["acquirer.example"]
    with outbound_client(purpose="acquirer") as client, pytest.raises(OutboundRefused):
        client.get("https://exfiltrate.example/collect")
    (refused,) = _events(Kind.OUTBOUND_REFUSED)
    assert refused.summary == "Outbound acquirer call to exfiltrate.example refused"
    assert refused.detail == {"destination": "exfiltrate.example", "purpose": "acquirer"}
    with outbound_client(purpose="acquirer") as client, pytest.raises(httpx.ConnectError):
        client.get("https://exfiltrate.example/again")
    assert len(_events(Kind.OUTBOUND_REFUSED)) == 1  # one per destination and minute
