"""Payment sessions and card-registration sessions: a page each, served at ``link_url``.

A session is ``CREATE`` until the buyer acts; one request at a time claims it (``PROCESSING``,
a conditional UPDATE with a lease), so a double submit never pays twice. ``services.py`` holds
the one table of transitions and the one function that writes a status.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class SessionStatus(models.TextChoices):
    CREATE = "CREATE"  # open: the buyer may pay (or register a card)
    PROCESSING = "PROCESSING"  # one request is paying right now (``claimed_until`` bounds it)
    AUTHENTICATING = "AUTHENTICATING"  # the buyer is at 3-D Secure or a wallet; the payment decides
    COMPLETED = "COMPLETED"  # paid (or card saved): the buyer went to success_url
    CANCELED = "CANCELED"  # the buyer cancelled: sent to cancel_url


class HostedSession(models.Model):
    """What both kinds of session share: the merchant, the page's URLs, its expiry and state."""

    session_id: str  # each kind's own prefix (``ps_``, ``cs_``)

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    status = models.CharField(max_length=14, choices=SessionStatus.choices, default=SessionStatus.CREATE)
    claimed_until = models.DateTimeField(null=True, blank=True)
    success_url = models.CharField(max_length=256, blank=True)
    cancel_url = models.CharField(max_length=256, blank=True)
    expires_at = models.DateTimeField()
    shop_service_name = models.CharField(max_length=100, blank=True)
    guide_mail_send_flag = models.BooleanField(default=False)
    receiver_mail = models.CharField(max_length=254, blank=True)
    mail_customer_name = models.CharField(max_length=384, blank=True)
    shop_mail_template_id = models.CharField(max_length=25, blank=True)
    tds_type = models.CharField(max_length=1, blank=True)
    tds2_type = models.CharField(max_length=1, blank=True)
    td_tenant_name = models.CharField(max_length=25, blank=True)
    last_error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Pay or register attempts so far (bounded: no card testing through a page)."
    )
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def service_name(self) -> str:
        return self.shop_service_name or self.merchant.name


class PaymentSession(HostedSession):
    session_id = models.CharField(max_length=25, default=id_factory("ps", 22))
    pay_types = models.JSONField(default=list, help_text="fincode's PaymentSessionPayType values.")
    order_id = models.CharField(max_length=30)
    amount = models.PositiveIntegerField()
    tax = models.PositiveIntegerField(default=0)
    client_field_1 = models.CharField(max_length=100, blank=True)
    client_field_2 = models.CharField(max_length=100, blank=True)
    client_field_3 = models.CharField(max_length=100, blank=True)
    card_job_code = models.CharField(max_length=7, default="AUTH")
    item_code = models.CharField(max_length=100, blank=True)
    konbini_payment_term_day = models.PositiveSmallIntegerField(null=True, blank=True)
    konbini_reception_mail_send_flag = models.BooleanField(default=False)
    paypay_job_code = models.CharField(max_length=7, blank=True)
    order_description = models.CharField(max_length=100, blank=True)
    virtualaccount_payment_term_day = models.PositiveSmallIntegerField(null=True, blank=True)
    virtualaccount_reception_mail_send_flag = models.BooleanField(default=False)
    thanks_mail_send_flag = models.BooleanField(default=False)
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session_id"], name="hosted_payment_session_id"),
            # the payment the page makes is the session's order_id: one open session per order id
            models.UniqueConstraint(
                fields=["merchant", "mode", "order_id"], name="hosted_payment_session_order"
            ),
            models.CheckConstraint(condition=~Q(pay_types=[]), name="hosted_payment_session_pay_types"),
        ]
        indexes = [models.Index(fields=["merchant", "mode", "-created"], name="hosted_payment_session_list")]

    def __str__(self) -> str:
        return self.session_id

    @property
    def total_amount(self) -> int:
        return self.amount + self.tax

    @property
    def total_yen(self) -> str:
        return f"{self.total_amount:,}"

    @property
    def tax_yen(self) -> str:
        return f"{self.tax:,}"


class CardRegistrationSession(HostedSession):
    session_id = models.CharField(max_length=25, default=id_factory("cs", 22))
    customer_id = models.CharField(max_length=60, help_text="Made when the card is registered, if new.")
    customer_name = models.CharField(max_length=384, blank=True)
    completion_mail_send_flag = models.BooleanField(default=False)
    card = models.ForeignKey(
        "payments.Card", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session_id"], name="hosted_card_session_id")]
        indexes = [models.Index(fields=["merchant", "mode", "-created"], name="hosted_card_session_list")]

    def __str__(self) -> str:
        return self.session_id
