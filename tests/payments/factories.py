"""factory_boy factories of payments rows for the merchant pages' tests (list, detail, overview, layout).

Rows are written directly: these tests are about what the pages show of existing payments, not how
payments get there (the API tests cover that).
"""

from __future__ import annotations

import factory
from django.utils import timezone

from payments.models import JobCode, Payment, PaymentEvent, Status
from payments.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookSetting
from portal.models import Mode


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    mode = Mode.TEST
    order_id = factory.Sequence(lambda n: f"o_factory{n:06d}")
    pay_type = "Card"
    job_code = JobCode.CAPTURE
    status = Status.CAPTURED
    currency = "JPY"
    amount = 3000
    tax = 300
    card_no = "************1111"
    brand = "VISA"
    expire = "3012"

    @classmethod
    def _create(cls, model_class, *args, created=None, **kwargs):
        payment = super()._create(model_class, *args, **kwargs)
        if created is not None:  # auto_now_add ignores a given value: set it afterwards
            Payment.objects.filter(pk=payment.pk).update(created=created)
            payment.created = created
        return payment


class PaymentEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentEvent

    payment = factory.SubFactory(PaymentFactory)
    action = "register"
    from_status = ""
    to_status = Status.UNPROCESSED
    actor = "api_key:key_factory"


class WebhookSettingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookSetting

    mode = Mode.TEST
    url = factory.Sequence(lambda n: f"https://shop{n}.example.com/hooks/payments")
    event = "payments.card.exec"


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    merchant = factory.SelfAttribute("payment.merchant")
    mode = factory.SelfAttribute("payment.mode")
    payment = factory.SubFactory(PaymentFactory)
    sequence = factory.Sequence(lambda n: n + 1)
    event = "payments.card.exec"
    payload = factory.LazyAttribute(lambda o: {"order_id": o.payment.order_id, "status": o.payment.status})


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    event = factory.SubFactory(WebhookEventFactory)
    setting = factory.SubFactory(WebhookSettingFactory)
    status = WebhookDelivery.Status.DELIVERED
    attempts = 1
    next_attempt_at = factory.LazyFunction(timezone.now)


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    number = 1
    started_at = factory.LazyFunction(timezone.now)
    duration_ms = 42
    url = factory.SelfAttribute("delivery.setting.url")
    status_code = 200
    delivered = True
