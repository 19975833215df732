"""Writes of merchant webhooks: settings (fincode's /v1/webhook_settings), secrets, resending."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from payments import errors
from payments.webhooks import outbound, secrets
from payments.webhooks.models import WebhookDelivery, WebhookSetting
from payments.webhooks.outbox import queue_deliveries
from portal.errors import FieldError, PortalError
from portal.models import Merchant, Mode
from security.models import Kind, Severity
from security.services import security_event_record

SETTING_FIELDS = ("url", "event", "signature")
AREA = "14"  # webhooks, in the error codes


def _check_url(url: str, mode: str) -> None:
    """A destination we may post to (``outbound.check_url``); names are checked again when posting."""
    try:
        outbound.check_url(url, mode=mode)
    except outbound.DestinationRefused as exc:
        if mode == Mode.LIVE and exc.reason == outbound.BAD_SCHEME:
            raise PortalError(errors.WEBHOOK_URL_NOT_ALLOWED, field="url") from exc
        raise FieldError(AREA, "url", "invalid", _URL_PROBLEMS[exc.reason]) from exc


_URL_PROBLEMS = {
    outbound.BAD_URL: "must be an http(s) URL with a valid host name",
    outbound.BAD_SCHEME: "must use http or https",
    outbound.NOT_PUBLIC: "must point to a public address (not loopback, private, link-local or reserved)",
    outbound.NOT_PUBLIC_NAME: "must name a public host (not localhost, .local, .internal or one label)",
}


def _check_signature(value: str | None) -> None:
    """Sent as the ``Fincode-Signature`` header: printable ASCII, no line break, bounded."""
    if value and not outbound.header_value_ok(value):
        raise FieldError(
            AREA,
            "signature",
            "invalid",
            f"must be printable ASCII without line breaks, at most {outbound.SIGNATURE_MAX_LENGTH} characters",
        )


def webhook_setting_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> WebhookSetting:
    _check_url(data["url"], mode)
    _check_signature(data.get("signature"))
    fields = {f: data[f] or "" for f in SETTING_FIELDS if f in data}
    if data.get("id"):
        fields["setting_id"] = data["id"]
    try:
        with transaction.atomic():
            setting = WebhookSetting.objects.create(merchant=merchant, mode=mode, **fields)
            secrets.current(merchant.pk, mode)
    except IntegrityError as exc:
        raise PortalError(errors.WEBHOOK_SETTING_EXISTS, field="id") from exc
    _url_changed(setting=setting, before=None)
    return setting


def _url_changed(*, setting: WebhookSetting, before: str | None) -> None:
    """A webhook URL set or changed: a security event (where a shop's events go is sensitive)."""

    def shown(url: str | None) -> str:  # no query string or credentials in the stream
        if not url:
            return "(none)"
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}{parts.path}"

    security_event_record(
        kind=Kind.WEBHOOK_URL_CHANGED,
        severity=Severity.INFO,
        merchant=setting.merchant,
        summary=f"Webhook {setting.setting_id} ({setting.mode}, {setting.event}): {shown(before)} → {shown(setting.url)}",
        detail={
            "setting": setting.setting_id,
            "mode": setting.mode,
            "before": shown(before),
            "after": shown(setting.url),
        },
    )


@transaction.atomic
def webhook_setting_update(*, setting: WebhookSetting, data: dict[str, Any]) -> WebhookSetting:
    setting = WebhookSetting.objects.select_for_update().get(pk=setting.pk)
    changed = [f for f in SETTING_FIELDS if data.get(f) is not None]
    if "url" in changed:
        _check_url(data["url"], setting.mode)
    _check_signature(data.get("signature"))
    before_url = setting.url
    for name in changed:
        setattr(setting, name, data[name])
    if changed:
        setting.save(update_fields=[*changed, "updated"])
    if setting.url != before_url:
        _url_changed(setting=setting, before=before_url)
    return setting


@transaction.atomic
def webhook_setting_delete(*, setting: WebhookSetting) -> None:
    """Soft delete (the delivery log stays); deliveries not sent yet are cancelled."""
    WebhookSetting.objects.filter(pk=setting.pk, deleted_at__isnull=True).update(deleted_at=timezone.now())
    WebhookDelivery.objects.filter(setting=setting, status=WebhookDelivery.Status.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=timezone.now())
    ).update(status=WebhookDelivery.Status.CANCELED)


@transaction.atomic
def webhook_delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now (delivered, failed or waiting for its next try), logged as manual."""
    now = timezone.now()
    updated = (
        WebhookDelivery.objects.filter(pk=delivery.pk)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .exclude(status=WebhookDelivery.Status.CANCELED)
        .update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now, lease_until=None, lease_token="")
    )
    if not updated:
        raise PortalError(errors.WEBHOOK_DELIVERY_IN_PROGRESS)
    queue_deliveries([delivery.pk], manual=True)
    delivery.refresh_from_db()
    return delivery


def webhook_secret_rotate(*, merchant: Merchant, mode: str) -> str:
    return secrets.rotate(merchant_id=merchant.pk, mode=mode).secret
