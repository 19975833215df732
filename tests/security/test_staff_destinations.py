"""The channels staff set — a budget project's webhook, a security alert rule's — reach public
addresses only, as merchants' webhooks do (``portal.destinations``): checked when saved, and
again when posted (the name resolved once, every address checked, no second lookup).

Only the outside world is faked: DNS answers from a table (``getaddrinfo``); the receivers
are real HTTP servers on this machine.
"""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from prometheus_client import REGISTRY

from budgets import notifications
from budgets.models import Project
from security import services
from security.models import Alert, AlertRule, Kind, SecurityEvent

pytestmark = pytest.mark.django_db

METADATA = "https://169.254.169.254/latest/meta-data/"


@pytest.fixture
def dns(monkeypatch):
    """Names resolve from this table (anything else: unknown), numeric hosts as the C library does."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name in table:
            return real(table[name], port, family, type, proto, flags | socket.AI_NUMERICHOST)
        return real(name, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


def refused(purpose: str) -> float:
    return REGISTRY.get_sample_value("outbound_refused_total", {"destination": purpose}) or 0.0


def _project(url: str) -> Project:
    return Project(name="Cloud", webhook_url=url)


def _rule(url: str) -> AlertRule:
    rule = AlertRule.objects.order_by("pk").first()
    assert rule is not None  # the default rules are seeded by a migration
    rule.webhook_url = url
    return rule


@pytest.mark.parametrize(
    "url",
    [
        METADATA,
        "https://10.0.0.8/hook",
        "https://[::ffff:a9fe:a9fe]/latest",  # the metadata address, IPv4-mapped
        "https://2852039166/latest",  # … and as one decimal number
        "https://metadata.google.internal/computeMetadata/v1/",
        "https://intranet/hook",  # one label: never a public name
        "http://hooks.slack.com/services/T0/B0/x",  # a public host, but not over https
        "ftp://hooks.slack.com/services/T0/B0/x",
    ],
)
def test_a_private_or_plain_destination_is_refused_when_saved(url):
    for model in (_project(url), _rule(url)):
        with pytest.raises(ValidationError) as refusal:
            model.full_clean(validate_unique=False)
        assert "destination refused" in str(refusal.value.message_dict["webhook_url"])


def test_a_public_https_destination_is_taken_and_this_machine_only_where_allowed(settings):
    for url in (
        "https://hooks.slack.com/services/T0/B0/x",
        "https://api.opsgenie.com/v1/json/integrations/webhooks",
    ):
        _project(url).full_clean(validate_unique=False)
        _rule(url).full_clean(validate_unique=False)
    local = "http://127.0.0.1:8025/hook"
    _project(local).full_clean(validate_unique=False)  # development and test: a local receiver
    settings.WEBHOOK_ALLOW_LOOPBACK = False  # production's default
    with pytest.raises(ValidationError):
        _project(local).full_clean(validate_unique=False)
    with pytest.raises(ValidationError):
        _rule("https://localhost/hook").full_clean(validate_unique=False)


def test_a_budget_webhook_whose_name_turns_private_is_not_posted(dns, caplog):
    # Saved while the name pointed somewhere public; it now resolves to an internal address
    # (DNS rebinding): refused before any connection.
    dns["hooks.finance.example"] = "10.1.2.3"
    before = refused("budgets-webhook")
    assert notifications.post_webhook(url="https://hooks.finance.example/x", payload={"text": "hi"}) == 0
    assert refused("budgets-webhook") == before + 1
    assert "not a public address" in caplog.text
    assert SecurityEvent.objects.filter(kind=Kind.OUTBOUND_REFUSED).count() == 1


def test_a_budget_webhook_to_this_machine_is_posted_only_where_allowed(hook, settings):
    assert notifications.post_webhook(url=hook.url, payload={"text": "over budget"}) == 200
    assert hook.bodies() == [{"text": "over budget"}]
    settings.WEBHOOK_ALLOW_LOOPBACK = False
    assert notifications.post_webhook(url=hook.url, payload={"text": "again"}) == 0
    assert len(hook.bodies()) == 1


def test_an_alert_to_a_private_channel_fails_on_the_alert_and_raises_no_other_alert():
    rule = _rule("http://10.0.0.9/opsgenie")
    AlertRule.objects.filter(pk=rule.pk).update(webhook_url=rule.webhook_url)  # as if saved before the check
    alert = Alert.objects.create(
        rule=rule, bucket=1, raised_at=timezone.now(), event_count=1, summary="Staff permissions changed"
    )
    before = refused("security-alerts")
    delivered = services.alert_deliver(alert_id=alert.pk)
    assert delivered.delivery == Alert.Delivery.FAILED
    assert delivered.delivery_detail == "webhook: destination refused: not a public address"
    assert refused("security-alerts") == before + 1
    # Reported on its alert; a security event would raise the alert that cannot be delivered.
    assert not SecurityEvent.objects.filter(kind=Kind.OUTBOUND_REFUSED).exists()
