"""Merchant pages for webhooks: settings and signing secret, deliveries with every attempt, resend."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from payments.webhooks import secrets, services
from payments.webhooks.events import EVENTS
from payments.webhooks.models import WebhookDelivery, WebhookSetting
from portal.errors import PortalError, localized
from portal.models import Mode
from portal.views import merchant_page


class WebhookSettingForm(forms.Form):
    mode = forms.ChoiceField(label=gettext_lazy("Mode"), choices=Mode.choices, initial=Mode.TEST)
    url = forms.URLField(
        label="URL",
        max_length=2000,
        assume_scheme="https",
        help_text=gettext_lazy(
            "A public address: https in live mode (see the webhooks guide for where they may go)."
        ),
    )
    event = forms.ChoiceField(label=gettext_lazy("Event"), choices=[(e, e) for e in EVENTS])
    signature = forms.CharField(
        label=gettext_lazy("Fincode-Signature value"),
        max_length=60,
        required=False,
        help_text=gettext_lazy("Sent as is in a header: printable ASCII, no line break."),
    )


def _back(membership, mode: str):
    return redirect(reverse("merchant-webhooks", args=[membership.merchant.public_id]) + f"?mode={mode}")


def _mode(request) -> str:
    value = request.GET.get("mode") or request.POST.get("mode")
    return value if value in Mode.values else Mode.TEST


@merchant_page()
@require_http_methods(["GET", "POST"])
def webhooks(request, membership):
    merchant, mode = membership.merchant, _mode(request)
    form = WebhookSettingForm(request.POST or None, initial={"mode": mode})
    if request.method == "POST":
        if not membership.can("manage_keys"):
            messages.error(request, _("Your role does not allow changing webhooks."))
        elif form.is_valid():
            data = dict(form.cleaned_data)
            try:
                services.webhook_setting_create(merchant=merchant, mode=data.pop("mode"), data=data)
            except PortalError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, localized(exc.message))
            else:
                messages.success(request, _("Webhook added for %(event)s.") % {"event": data["event"]})
                return _back(membership, mode)
    deliveries = WebhookDelivery.objects.filter(
        setting__merchant=merchant, setting__mode=mode
    ).select_related("event", "setting")
    status = request.GET.get("status")
    if status in WebhookDelivery.Status.values:
        deliveries = deliveries.filter(status=status)
    return render(
        request,
        "payments/webhooks.html",
        {
            "membership": membership,
            "merchant": merchant,
            "mode": mode,
            "form": form,
            "settings": WebhookSetting.objects.filter(merchant=merchant, mode=mode, deleted_at__isnull=True),
            "secrets": secrets.valid(merchant.pk, mode),
            "page": Paginator(deliveries.order_by("-id"), 50).get_page(request.GET.get("page")),
            "status": status,
            "statuses": WebhookDelivery.Status.choices,
            "can_manage": membership.can("manage_keys"),
        },
        status=400 if form.errors else 200,
    )


@merchant_page("manage_keys")
@require_POST
def webhook_delete(request, membership, setting_id: str):
    setting = get_object_or_404(
        WebhookSetting, merchant=membership.merchant, setting_id=setting_id, deleted_at__isnull=True
    )
    services.webhook_setting_delete(setting=setting)
    messages.success(
        request,
        _("Webhook %(id)s deleted; its pending deliveries are cancelled.") % {"id": setting.setting_id},
    )
    return _back(membership, setting.mode)


@merchant_page("manage_keys")
@require_POST
def webhook_secret_rotate(request, membership):
    mode = _mode(request)
    services.webhook_secret_rotate(merchant=membership.merchant, mode=mode)
    messages.success(request, _("New signing secret. The old one keeps signing (a second v1) for 24 hours."))
    return _back(membership, mode)


def _delivery(membership, delivery_id: str) -> WebhookDelivery:
    return get_object_or_404(
        WebhookDelivery.objects.select_related("event", "setting", "event__payment"),
        delivery_id=delivery_id,
        setting__merchant=membership.merchant,
    )


@merchant_page()
def delivery_detail(request, membership, delivery_id: str):
    delivery = _delivery(membership, delivery_id)
    return render(
        request,
        "payments/webhook_delivery.html",
        {
            "membership": membership,
            "merchant": membership.merchant,
            "delivery": delivery,
            "attempts": delivery.attempt_log.all(),
            "payload_json": json.dumps(delivery.event.payload, ensure_ascii=False, indent=2),
            "can_manage": membership.can("manage_keys"),
        },
    )


@merchant_page("manage_keys")
@require_POST
def delivery_resend(request, membership, delivery_id: str):
    delivery = _delivery(membership, delivery_id)
    try:
        services.webhook_delivery_resend(delivery=delivery)
    except PortalError as exc:
        messages.error(request, localized(exc.message))
    else:
        messages.success(request, _("Delivery %(id)s queued again.") % {"id": delivery.delivery_id})
    return redirect(
        "merchant-webhook-delivery", merchant_id=membership.merchant.public_id, delivery_id=delivery_id
    )
