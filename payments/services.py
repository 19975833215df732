"""Writes of the payments domain: tokens, customers, cards, and card payments.

Status changes go through ``payments.state.payment_transition`` (the one table
``TRANSITIONS``); every acquirer call follows the pending-operation protocol of
``payments.pending`` (begin, call, complete or abandon; reconciled by Celery).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from payments import errors, vault
from payments.methods.registry import method_for
from payments.models import (
    Card,
    CardSecret,
    CardToken,
    Customer,
    JobCode,
    Payment,
    PaymentEvent,
    Status,
    ThreeDSecureSession,
)
from payments.pending import (
    operation_abandon,
    operation_begin,
    operation_check,
    operation_complete,
    pending_cleared,
)
from payments.providers.base import (
    AuthorizeRequest,
    Declined,
    NotConfigured,
    ProviderError,
    ProviderFailure,
    ProviderTimeout,
    ProviderUnavailable,
)
from payments.providers.registry import card_acquirer, tds_server
from payments.providers.tds import (
    AuthenticationRequest,
    AuthenticationResult,
    EnrollmentRequest,
    ThreeDSServer,
)
from payments.state import (
    actor_label,
    payment_event_record,
    payment_transition,
    payment_write_with_history,
)
from payments.webhooks import outbox
from portal.db import one_or_none
from portal.errors import TDS_SERVER_MISSING, FieldError, PortalError
from portal.ids import random_token
from portal.models import Merchant, Mode, PayType

logger = logging.getLogger(__name__)


_DECLINES = {
    "insufficient_funds": errors.INSUFFICIENT_FUNDS,
    "expired_card": errors.CARD_EXPIRED,
}


# --- Status machine -------------------------------------------------------------------


# --- Tokens --------------------------------------------------------------------------


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: CardToken
    raw: str


@transaction.atomic
def token_create(
    *, merchant: Merchant, mode: str, card_no: str, expire: str, holder_name: str, security_code: str
) -> IssuedToken:
    """Tokenise a card after Luhn and expiry checks. The security code is checked, never kept."""
    for field, problem in (
        ("card_no", vault.card_number_problem(card_no)),
        ("expire", vault.expire_problem(expire)),
        ("security_code", vault.security_code_problem(security_code)),
    ):
        if problem:
            raise FieldError("11", field, "invalid", problem)
    ttl = timedelta(seconds=settings.CARD_TOKEN_TTL_SECONDS)
    secret = vault.seal(
        vault.ClearCard(card_no, expire, holder_name), purpose=CardSecret.Purpose.TOKEN, ttl=ttl
    )
    raw = "tk_" + random_token(40)
    token = CardToken.objects.create(
        merchant=merchant,
        mode=mode,
        token_hash=_token_hash(raw),
        secret=secret,
        card_no=vault.mask(card_no),
        brand=vault.brand_of(card_no),
        expire=expire,
        holder_name=holder_name,
        card_no_hash=vault.card_hash(card_no),
        expires_at=secret.expires_at,
    )
    return IssuedToken(token=token, raw=raw)


def _token_consume(
    *, merchant: Merchant, mode: str, raw: str, area: str = "10"
) -> tuple[CardToken, vault.ClearCard]:
    """Use a token once (conditional update); returns its card. Call inside a transaction.

    Any failure — unknown, another merchant's or mode's, used, expired — is the same error.
    """
    now = timezone.now()
    token_hash = _token_hash(raw or "")
    found = _token_consume_statement(token_hash=token_hash, merchant=merchant, mode=mode, now=now)
    if found is None:
        raise PortalError(errors.TOKEN_INVALID, field="token")
    token, secret = found
    return token, vault.unseal(secret)


_TOKEN_FIELDS = ("id", "card_no", "brand", "expire", "holder_name", "card_no_hash", "merchant_id", "mode")
_SECRET_FIELDS = ("id", "purpose", "key_id", "nonce", "ciphertext", "expires_at")


def _token_consume_statement(
    *, token_hash: str, merchant: Merchant, mode: str, now
) -> tuple[CardToken, CardSecret] | None:
    """Mark the token used, detach and DELETE its encrypted card, and return both: ONE statement.

    The row lock of the UPDATE serialises two uses of one token; the second re-checks
    ``used_at`` after the first commits and finds nothing.
    """
    qn = connection.ops.quote_name
    tokens, secrets = qn(CardToken._meta.db_table), qn(CardSecret._meta.db_table)
    token_columns = ", ".join(f"c.{qn(name)}" for name in _TOKEN_FIELDS)
    secret_columns = ", ".join(f"s.{qn(name)}" for name in _SECRET_FIELDS)
    # Quoted model table and column names; every value is a parameter.
    sql = (
        f"WITH t AS (SELECT id, secret_id FROM {tokens} WHERE token_hash = %s AND merchant_id = %s"  # noqa: S608
        " AND mode = %s AND used_at IS NULL AND expires_at > %s AND secret_id IS NOT NULL FOR UPDATE), "
        f"u AS (UPDATE {tokens} c SET used_at = %s, secret_id = NULL FROM t WHERE c.id = t.id"
        f" RETURNING {token_columns}, t.secret_id AS old_secret), "
        f"d AS (DELETE FROM {secrets} s USING u WHERE s.id = u.old_secret RETURNING {secret_columns}) "
        "SELECT u.*, d.* FROM u JOIN d ON d.id = u.old_secret"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash, merchant.pk, mode, now, now])
        row = cursor.fetchone()
    if row is None:
        return None
    size = len(_TOKEN_FIELDS)
    token = CardToken.from_db(connection.alias, _TOKEN_FIELDS, row[:size])
    token.used_at = now
    secret = CardSecret.from_db(connection.alias, _SECRET_FIELDS, row[size + 1 :])
    return token, secret


# --- Customers and saved cards -------------------------------------------------------------

CUSTOMER_FIELDS = (
    "name", "email", "phone_cc", "phone_no", "addr_country", "addr_state", "addr_city",
    "addr_line_1", "addr_line_2", "addr_line_3", "addr_post_code",
)  # fmt: skip


def customer_create(*, merchant: Merchant, mode: str, data: dict[str, Any]) -> Customer:
    fields = {f: data[f] or "" for f in CUSTOMER_FIELDS if f in data}
    if data.get("id"):
        fields["customer_id"] = data["id"]
    try:
        with transaction.atomic():
            return Customer.objects.create(merchant=merchant, mode=mode, **fields)
    except IntegrityError as exc:
        raise PortalError(errors.CUSTOMER_EXISTS, field="id") from exc


@transaction.atomic
def customer_update(*, customer: Customer, data: dict[str, Any]) -> Customer:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    fields = [f for f in CUSTOMER_FIELDS if f in data]
    for field in fields:
        setattr(customer, field, data[field] or "")
    customer.save(update_fields=[*fields, "updated"])
    return customer


@transaction.atomic
def customer_delete(*, customer: Customer) -> None:
    secrets = list(Card.objects.filter(customer=customer).values_list("secret_id", flat=True))
    Card.objects.filter(customer=customer).delete()
    CardSecret.objects.filter(pk__in=secrets).delete()
    customer.delete()


@transaction.atomic
def card_create(*, customer: Customer, token: str, default_flag: bool) -> Card:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    token_row, clear = _token_consume(merchant=customer.merchant, mode=customer.mode, raw=token, area="11")
    secret = vault.seal(clear, purpose=CardSecret.Purpose.CARD)
    has_cards = Card.objects.filter(customer=customer).exists()
    make_default = default_flag or not has_cards
    if make_default:
        Card.objects.filter(customer=customer, default_flag=True).update(default_flag=False)
    return Card.objects.create(
        customer=customer,
        secret=secret,
        default_flag=make_default,
        card_no=token_row.card_no,
        brand=token_row.brand,
        expire=token_row.expire,
        holder_name=token_row.holder_name,
        card_no_hash=token_row.card_no_hash,
    )


@transaction.atomic
def card_update(*, card: Card, data: dict[str, Any]) -> Card:
    customer = Customer.objects.select_for_update().get(pk=card.customer_id)
    card = Card.objects.select_for_update().get(pk=card.pk)
    fields: list[str] = []
    if data.get("token"):
        token_row, clear = _token_consume(
            merchant=customer.merchant, mode=customer.mode, raw=data["token"], area="11"
        )
        old_secret = card.secret_id
        card.secret = vault.seal(clear, purpose=CardSecret.Purpose.CARD)
        for name in ("card_no", "brand", "expire", "holder_name", "card_no_hash"):
            setattr(card, name, getattr(token_row, name))
        fields += ["secret", "card_no", "brand", "expire", "holder_name", "card_no_hash"]
        transaction.on_commit(lambda: CardSecret.objects.filter(pk=old_secret).delete())
    if data.get("holder_name") is not None and "holder_name" not in fields:
        card.holder_name = data["holder_name"]
        fields.append("holder_name")
    if data.get("expire") and "expire" not in fields:
        card.expire = data["expire"]
        fields.append("expire")
    if data.get("default_flag") is not None:
        wanted = bool(data["default_flag"])
        if wanted and not card.default_flag:
            Card.objects.filter(customer=customer, default_flag=True).update(default_flag=False)
        card.default_flag = wanted
        fields.append("default_flag")
    if fields:
        card.save(update_fields=[*fields, "updated"])
    return card


@transaction.atomic
def card_delete(*, card: Card) -> None:
    secret_id = card.secret_id
    card.delete()
    CardSecret.objects.filter(pk=secret_id).delete()


# --- Registration ------------------------------------------------------------------------


def contract_limit(*, merchant: Merchant, mode: str, pay_type: str) -> int:
    """Maximum total per payment: the contract's in live mode, the default terms in test mode.

    Read from the per-process terms cache (contract changes apply within seconds).
    """
    from payments.admission.controller import limits_for

    terms = limits_for(merchant_id=merchant.pk, pay_type=pay_type)
    if mode == Mode.LIVE and not terms.contracted:
        raise PortalError(errors.PAY_TYPE_NOT_CONTRACTED, field="pay_type")
    return terms.max_amount


REGISTER_FIELDS = (
    "job_code", "amount", "tax", "tds_type", "tds2_type", "td_tenant_name",
    "client_field_1", "client_field_2", "client_field_3", "order_description",
)  # fmt: skip


def payment_register(
    *, merchant: Merchant, mode: str, data: dict[str, Any], actor: Any, order_id: str | None = None
) -> Payment:
    """Register a payment (no charge yet). ``data`` is validated input (serializer).

    The payment's id is the merchant's ``id``, else ``order_id`` (an id reserved for it by
    admission control), else a new one.
    """
    pay_type = data["pay_type"]
    method = method_for(pay_type)
    amount, tax = data.get("amount", 0), data.get("tax", 0)
    if amount + tax > contract_limit(merchant=merchant, mode=mode, pay_type=pay_type):
        raise PortalError(errors.AMOUNT_OVER_LIMIT, field="amount")
    fields = {f: data[f] for f in REGISTER_FIELDS if data.get(f) is not None}
    fields.update(method.register_fields(merchant=merchant, mode=mode, data=data))
    if order_id := data.get("id") or order_id:
        fields["order_id"] = order_id
    payment = Payment(merchant=merchant, mode=mode, pay_type=pay_type, **fields)
    payment.event_seq = 1 if outbox.raises_event(payment, "register") else 0
    event = PaymentEvent(
        action="register",
        to_status=payment.status,
        actor=actor_label(actor),
        detail={"amount": payment.amount, "tax": payment.tax, "job_code": payment.job_code},
    )
    try:
        deliveries = _insert_registration(payment, event)
    except IntegrityError as exc:
        raise PortalError(errors.ORDER_ID_EXISTS, field="id") from exc
    if deliveries:
        outbox.queue_deliveries(deliveries)
    return payment


_PAYMENT_INSERT: dict[str, tuple[str, list]] = {}


def _payment_insert(connection) -> tuple[str, list]:
    """The INSERT of a payment row (every column a parameter), built once per process."""
    if connection.alias not in _PAYMENT_INSERT:
        fields = [f for f in Payment._meta.concrete_fields if not f.primary_key]
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in fields)
        values = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {qn(Payment._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
        _PAYMENT_INSERT[connection.alias] = (sql, fields)
    return _PAYMENT_INSERT[connection.alias]


def _insert_registration(payment: Payment, event: PaymentEvent) -> list[int]:
    """INSERT the payment, its first history event and its webhook event (transactional outbox).

    The hot path of registration, in ONE statement (one round trip, atomic): the payment, the
    history row and — only if the merchant subscribes to the register event — the webhook
    event and its deliveries. Returns the ids of the deliveries to queue.
    """
    now = timezone.now()
    payment.created = payment.updated = event.created_at = now
    insert_sql, fields = _payment_insert(connection)
    insert_params = [f.get_db_prep_save(f.pre_save(payment, True), connection) for f in fields]
    # Inside an outer transaction, a savepoint keeps a unique violation from poisoning it.
    with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
        payment.pk, deliveries = payment_write_with_history(insert_sql, insert_params, payment, event)
    payment.id = payment.pk
    payment._state.adding = False
    payment._state.db = connection.alias
    return deliveries


# --- Provider operations: begin / complete / abandon -------------------------------------------


def _schedule_reconcile(payment: Payment, countdown: int = 10) -> None:
    from payments.tasks import reconcile_payment

    payment_id = payment.pk

    def send() -> None:
        try:
            reconcile_payment.apply_async(kwargs={"payment_id": payment_id}, countdown=countdown)
        except Exception:  # the periodic sweeper picks it up anyway
            logger.warning("could not queue reconciliation of payment %s", payment_id, exc_info=True)

    transaction.on_commit(send)


def _call(payment: Payment, reference: str, actor: str, fn) -> Payment:
    """Run a provider call for a pending operation and apply its outcome."""
    try:
        result = fn()
    except Declined as exc:
        spec = _DECLINES.get(exc.reason, errors.CARD_DECLINED)
        operation_abandon(
            payment_id=payment.pk, reference=reference, actor=actor, reason=exc.reason, error_code=spec.code
        )
        raise PortalError(spec) from exc
    except ProviderUnavailable as exc:
        operation_abandon(
            payment_id=payment.pk, reference=reference, actor=actor, reason=str(exc), error_code=None
        )
        raise PortalError(errors.PROVIDER_UNAVAILABLE) from exc
    except (ProviderTimeout, ProviderFailure) as exc:
        logger.warning("payment %s: %s; left pending for reconciliation", payment.access_id, exc)
        with transaction.atomic():
            payment_event_record(
                payment, "provider_outcome_unknown", actor, reference=reference, reason=str(exc)
            )
            first_delay = settings.PAYMENTS_RECONCILE_FIRST_DELAY
            _schedule_reconcile(payment, countdown=2 if isinstance(exc, ProviderFailure) else first_delay)
        spec = errors.PROVIDER_TIMEOUT if isinstance(exc, ProviderTimeout) else errors.PROVIDER_ERROR
        raise PortalError(spec) from exc
    return operation_complete(
        payment_id=payment.pk, reference=reference, result=result, actor=actor, payment=payment
    )


def _acquirer(mode: str):
    try:
        return card_acquirer(mode)
    except NotConfigured as exc:
        raise PortalError(errors.LIVE_ACQUIRER_MISSING) from exc


# --- Execute ---------------------------------------------------------------------------------


def _card_snapshot(source: CardToken | Card) -> dict[str, Any]:
    return {
        "card_no": source.card_no,
        "brand": source.brand,
        "expire": source.expire,
        "holder_name": source.holder_name,
        "card_no_hash": source.card_no_hash,
    }


def _resolve_card(payment: Payment, data: dict[str, Any]) -> tuple[vault.ClearCard, dict[str, Any]]:
    """The card for execute: a token (used once) or a saved card. Inside the execute transaction."""
    if data.get("token"):
        token, card = _token_consume(merchant=payment.merchant, mode=payment.mode, raw=data["token"])
        return card, {**_card_snapshot(token), "customer": None, "card": None}
    if not data.get("customer_id"):
        raise PortalError(errors.CARD_SOURCE_REQUIRED, field="token")
    customer = one_or_none(
        Customer.objects.filter(merchant=payment.merchant, mode=payment.mode, customer_id=data["customer_id"])
    )
    if customer is None:
        raise PortalError(errors.CUSTOMER_NOT_FOUND, field="customer_id")
    cards = Card.objects.select_related("secret").filter(customer=customer)
    saved = (
        one_or_none(cards.filter(card_id=data["card_id"]))
        if data.get("card_id")
        else one_or_none(cards.filter(default_flag=True))
    )
    if saved is None:
        raise PortalError(
            errors.CARD_NOT_FOUND if data.get("card_id") else errors.NO_DEFAULT_CARD, field="card_id"
        )
    if vault.expire_problem(saved.expire):
        raise PortalError(errors.CARD_EXPIRED, field="card_id")
    return vault.unseal(saved.secret), {**_card_snapshot(saved), "customer": customer, "card": saved}


def _authorize_request(payment: Payment, reference: str, card: vault.ClearCard, authentication: str = ""):
    return AuthorizeRequest(
        reference=reference,
        card=card,
        amount=payment.total_amount,
        currency=payment.currency,
        capture=payment.job_code == JobCode.CAPTURE,
        check_only=payment.job_code == JobCode.CHECK,
        method=payment.method or "1",
        pay_times=payment.pay_times,
        merchant_ref=payment.merchant.public_id,
        authentication=authentication,
    )


def payment_execute(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    """Execute a registered card payment with a token or a saved card.

    With ``tds_type=2`` the payment waits for 3-D Secure (AUTHENTICATED); otherwise
    the acquirer authorises it within this request.
    """
    label = actor_label(actor)
    acquirer = _acquirer(payment.mode)
    # Live without a 3DS server: refused here, before anything is written or used up.
    tds = _tds_server(payment.mode) if payment.tds_type == "2" else None
    enrolled = False
    with transaction.atomic():
        operation_check(payment, "execute")  # before the token is used up
        card, snapshot = _resolve_card(payment, data)
        if tds is not None:
            # Before operation_begin: no lock on the payment row while the 3DS server answers.
            request = EnrollmentRequest(reference=payment.access_id, card=card)
            enrolled = _tds_call(lambda: tds.enrollment(request)).enrolled
            if not enrolled and payment.tds2_type != "3":
                raise PortalError(errors.TDS_NOT_ENROLLED)
        extra = {
            **snapshot,
            "method": data.get("method") or "1",
            "pay_times": int(data["pay_times"]) if data.get("pay_times") else None,
        }
        for name in ("tds2_ret_url", "return_url", "return_url_on_failure"):
            if data.get(name):
                extra[name] = data[name]
        payment, reference = operation_begin(payment=payment, operation="execute", actor=label, fields=extra)
        if enrolled:
            # The card is kept (encrypted) until the payment is authorised after 3-D Secure;
            # the session's profile is filled in from the 3DS server's answer.
            secret = vault.seal(card, purpose=CardSecret.Purpose.PAYMENT, ttl=timedelta(days=1))
            ThreeDSecureSession.objects.update_or_create(payment=payment, defaults={"profile": ""})
            return payment_transition(
                payment=payment,
                to=Status.AUTHENTICATED,
                action="execute",
                actor=label,
                detail={"tds": "started"},
                card_secret=secret,
                tds2_status="AUTHENTICATING",
                process_date=timezone.now(),
                **pending_cleared(),
            )
    return _call(
        payment, reference, label, lambda: acquirer.authorize(_authorize_request(payment, reference, card))
    )


# --- 3-D Secure 2 ---------------------------------------------------------------------------

_TDS_SALT = "payments.tds2.param"


def tds_param(payment: Payment, event: str) -> str:
    """The opaque ``param`` our 3DS server posts to the merchant's tds2_ret_url."""
    return signing.dumps({"a": payment.access_id, "e": event}, salt=_TDS_SALT)


def tds_param_check(payment: Payment, param: str) -> None:
    try:
        value = signing.loads(param or "", salt=_TDS_SALT, max_age=3600)
    except signing.BadSignature as exc:
        raise PortalError(errors.TDS_PARAM_INVALID, field="param") from exc
    if value.get("a") != payment.access_id:
        raise PortalError(errors.TDS_PARAM_INVALID, field="param")


REASON_FOR_RESULT = {"Y": "", "A": "", "C": "", "N": "01", "R": "11", "U": "08"}
PROFILE_FOR_RESULT = {
    "Y": ThreeDSecureSession.Profile.FRICTIONLESS,
    "A": ThreeDSecureSession.Profile.FRICTIONLESS,
    "C": ThreeDSecureSession.Profile.CHALLENGE,
}


def _tds_server(mode: str) -> ThreeDSServer:
    """The 3DS server of a mode: the simulator in test mode, TDS_SERVER_URL in live mode, or a 4xx."""
    try:
        return tds_server(mode)
    except NotConfigured as exc:
        raise PortalError(TDS_SERVER_MISSING, field="tds_type") from exc


def _tds_call(fn):
    """A 3DS server call; every one is idempotent by reference, so the buyer may simply retry."""
    try:
        return fn()
    except (ProviderUnavailable, ProviderTimeout) as exc:
        logger.warning("3-D Secure server: %s", exc)
        raise PortalError(errors.PROVIDER_UNAVAILABLE) from exc
    except ProviderError as exc:
        logger.warning("3-D Secure server: %s", exc)
        raise PortalError(errors.PROVIDER_ERROR) from exc


def _tds_session(payment: Payment) -> ThreeDSecureSession:
    session = one_or_none(ThreeDSecureSession.objects.filter(payment=payment))
    if session is None or payment.status != Status.AUTHENTICATED or payment.card_secret_id is None:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return session


def _tds_locked(payment: Payment) -> tuple[Payment, ThreeDSecureSession]:
    """Payment and session under lock (in that order), still waiting for 3-D Secure."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    session = ThreeDSecureSession.objects.select_for_update().get(payment=locked)
    if locked.status != Status.AUTHENTICATED:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return locked, session


def _tds_record(
    payment: Payment, session: ThreeDSecureSession, result: AuthenticationResult, **fields
) -> None:
    session.trans_result = result.status
    session.trans_result_reason = result.reason or REASON_FOR_RESULT[result.status]
    for name, value in fields.items():
        setattr(session, name, value)
    if not result.challenge_required:
        session.completed_at = timezone.now()
    session.save(update_fields=["trans_result", "trans_result_reason", "completed_at", *fields])
    tds2_status = "CHALLENGE" if result.challenge_required else "AUTHENTICATED"
    Payment.objects.filter(pk=payment.pk).update(tds2_status=tds2_status)


def tds_authenticate(*, payment: Payment, param: str) -> ThreeDSecureSession:
    """``PUT /v1/secure2/{access_id}``: run authentication after the 3DS method.

    The 3DS server decides: frictionless → Y, challenge required → C (the buyer goes to
    challenge_url), rejected → N. Called without a lock (network I/O), recorded under one;
    a repeat gets the recorded result.
    """
    if payment.status != Status.AUTHENTICATED:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    tds_param_check(payment, param)
    session = _tds_session(payment)
    if session.trans_result:
        return session
    server = _tds_server(payment.mode)
    request = AuthenticationRequest(
        reference=payment.access_id,
        card=vault.unseal(CardSecret.objects.get(pk=payment.card_secret_id)),
        amount=payment.total_amount,
        currency=payment.currency,
        merchant_ref=payment.merchant.public_id,
        merchant_name=payment.td_tenant_name or payment.merchant.name,
        notification_url=settings.PORTAL_BASE_URL + reverse("tds-challenge", args=[payment.access_id]),
    )
    result = _tds_call(lambda: server.authenticate(request))
    with transaction.atomic():
        locked, session = _tds_locked(payment)
        if not session.trans_result:
            _tds_record(
                locked,
                session,
                result,
                profile=PROFILE_FOR_RESULT.get(result.status, ThreeDSecureSession.Profile.FAIL),
                method_completed_at=timezone.now(),
            )
            payment_event_record(locked, "tds_authenticate", "3ds-server", result=result.status)
    return session


def _tds_challenge_done(
    payment: Payment, result: AuthenticationResult, *, answered: bool
) -> ThreeDSecureSession:
    with transaction.atomic():
        locked, session = _tds_locked(payment)
        if session.trans_result != "C":
            if answered:
                raise PortalError(errors.TDS_NOT_IN_PROGRESS)
            return session
        if answered:
            session.challenge_attempts += 1
        if result.challenge_required:
            if answered:
                session.save(update_fields=["challenge_attempts"])
            return session
        _tds_record(locked, session, result, challenge_attempts=session.challenge_attempts)
        payment_event_record(locked, "tds_challenge", "3ds-acs", result=session.trans_result)
    return session


def tds_challenge_answer(*, payment: Payment, code: str) -> tuple[ThreeDSecureSession, AuthenticationResult]:
    """The buyer answered the challenge's one-time code on our page; the ACS decides."""
    session = _tds_session(payment)
    if session.trans_result != "C":
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    server = _tds_server(payment.mode)
    result = _tds_call(lambda: server.challenge(reference=payment.access_id, answer=code))
    return _tds_challenge_done(payment, result, answered=True), result


def tds_challenge_check(*, payment: Payment) -> tuple[ThreeDSecureSession, AuthenticationResult | None]:
    """Where a challenge stands at the ACS (it may have finished it on its own page)."""
    session = _tds_session(payment)
    if session.trans_result != "C":
        return session, None
    server = _tds_server(payment.mode)
    result = _tds_call(lambda: server.challenge_result(reference=payment.access_id))
    return _tds_challenge_done(payment, result, answered=False), result


def tds_result(*, payment: Payment) -> ThreeDSecureSession:
    session = one_or_none(ThreeDSecureSession.objects.filter(payment=payment))
    if session is None or not session.trans_result:
        raise PortalError(errors.TDS_NOT_IN_PROGRESS)
    return session


def payment_secure(*, payment: Payment, actor: Any) -> Payment:
    """``PUT /v1/payments/{id}/secure``: authorise after 3-D Secure (Y/A), or fail the payment."""
    label = actor_label(actor)
    acquirer = _acquirer(payment.mode)
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        session = one_or_none(ThreeDSecureSession.objects.filter(payment=locked))
        if locked.status != Status.AUTHENTICATED or session is None:
            raise PortalError(errors.TDS_NOT_IN_PROGRESS)
        if session.trans_result in ("", "C"):
            raise PortalError(errors.TDS_NOT_COMPLETED)
        if session.trans_result not in ("Y", "A"):
            secret_id = locked.card_secret_id
            payment_transition(
                payment=locked,
                to=Status.FAILED,
                action="secure",
                actor=label,
                detail={"tds2_trans_result": session.trans_result},
                error_code=errors.TDS_AUTHENTICATION_FAILED.code,
                card_secret=None,
                process_date=timezone.now(),
            )
            CardSecret.objects.filter(pk=secret_id).delete()
            failed = True
        else:
            failed = False
            payment, reference = operation_begin(payment=locked, operation="secure", actor=label)
            card = vault.unseal(CardSecret.objects.get(pk=payment.card_secret_id))
    if failed:
        raise PortalError(errors.TDS_AUTHENTICATION_FAILED)
    request = _authorize_request(payment, reference, card, authentication=session.trans_result)
    return _call(payment, reference, label, lambda: acquirer.authorize(request))


# --- Capture, cancel, change, re-authorise --------------------------------------------------------


def payment_capture(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    label = actor_label(actor)
    acquirer = _acquirer(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="capture", actor=label)
        updates = {k: data[k] for k in ("method",) if data.get(k)}
        if data.get("pay_times"):
            updates["pay_times"] = int(data["pay_times"])
        if updates:
            Payment.objects.filter(pk=payment.pk).update(**updates)
    return _call(
        payment,
        reference,
        label,
        lambda: acquirer.capture(
            reference=reference, transaction_id=payment.transaction_id, amount=payment.total_amount
        ),
    )


def payment_cancel(*, payment: Payment, actor: Any) -> Payment:
    label = actor_label(actor)
    if payment.status == Status.AUTHENTICATED:
        return _cancel_before_authorisation(payment=payment, actor=label)
    acquirer = _acquirer(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="cancel", actor=label)
    return _call(
        payment,
        reference,
        label,
        lambda: acquirer.cancel(reference=reference, transaction_id=payment.transaction_id),
    )


@transaction.atomic
def _cancel_before_authorisation(*, payment: Payment, actor: str) -> Payment:
    """3-D Secure abandoned: nothing was authorised, so nothing to ask the acquirer."""
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.pending_operation:
        raise PortalError(errors.PAYMENT_BUSY)
    secret_id = locked.card_secret_id
    payment_transition(
        payment=locked,
        to=Status.CANCELED,
        action="cancel",
        actor=actor,
        card_secret=None,
        process_date=timezone.now(),
    )
    CardSecret.objects.filter(pk=secret_id).delete()
    return locked


def payment_change(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    """Change the amount of an AUTHORIZED (job_code AUTH) or CAPTURED (CAPTURE) payment."""
    label = actor_label(actor)
    expected = {Status.AUTHORIZED: JobCode.AUTH, Status.CAPTURED: JobCode.CAPTURE}.get(payment.status)
    if expected and data["job_code"] != expected:
        raise PortalError(errors.JOB_CODE_MISMATCH, field="job_code")
    amount, tax = data["amount"], data.get("tax", payment.tax)
    if amount + tax > contract_limit(merchant=payment.merchant, mode=payment.mode, pay_type=payment.pay_type):
        raise PortalError(errors.AMOUNT_OVER_LIMIT, field="amount")
    acquirer = _acquirer(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="change", actor=label, amount=amount)
        if payment.status == Status.CAPTURED and amount + tax > payment.total_amount:
            raise PortalError(errors.AMOUNT_INCREASE_NOT_ALLOWED, field="amount")
        if tax != payment.tax:
            Payment.objects.filter(pk=payment.pk).update(tax=tax)
            payment.tax = tax
    return _call(
        payment,
        reference,
        label,
        lambda: acquirer.change_amount(
            reference=reference, transaction_id=payment.transaction_id, amount=amount + tax
        ),
    )


def payment_reauthorize(*, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
    """``/auth``: authorise a cancelled payment again (same card, via the acquirer's transaction)."""
    label = actor_label(actor)
    acquirer = _acquirer(payment.mode)
    with transaction.atomic():
        payment, reference = operation_begin(payment=payment, operation="reauthorize", actor=label)
        if not payment.transaction_id or payment.job_code == JobCode.CHECK:
            raise PortalError(errors.INVALID_STATUS_TRANSITION, "This payment was never authorised.")
        updates = {"method": data.get("method") or payment.method or "1"}
        if data.get("pay_times"):
            updates["pay_times"] = int(data["pay_times"])
        Payment.objects.filter(pk=payment.pk).update(**updates)
    capture = payment.job_code == JobCode.CAPTURE
    return _call(
        payment,
        reference,
        label,
        lambda: acquirer.reauthorize(
            reference=reference,
            transaction_id=payment.transaction_id,
            amount=payment.total_amount,
            capture=capture,
        ),
    )


# --- Reconciliation -------------------------------------------------------------------------------


def payment_reconcile(*, payment_id: int) -> str:
    """Resolve a pending provider operation by asking the acquirer what became of it.

    Returns what happened: ``none`` (nothing pending), ``completed``, ``abandoned``
    or ``processing`` (ask again later). Safe to run any number of times, anywhere.
    """
    payment = Payment.objects.get(pk=payment_id)
    if payment.pay_type == PayType.BNPL:
        from payments.bnpl import reconcile

        return reconcile(payment=payment)
    if payment.pay_type != PayType.CARD:
        from payments.asyncflows.services import payment_reconcile_async

        return payment_reconcile_async(payment=payment)
    reference = payment.pending_reference
    if not reference:
        return "none"
    try:
        answer = _acquirer(payment.mode).query(reference)
    except PortalError:
        return "processing"
    except ProviderError as exc:
        logger.warning("reconciliation of %s: acquirer unreachable (%s)", payment.access_id, exc)
        return "processing"
    if answer.state == "done" and answer.result is not None:
        operation_complete(
            payment_id=payment.pk, reference=reference, result=answer.result, actor="reconciliation"
        )
        return "completed"
    if answer.state == "declined":
        spec = _DECLINES.get(answer.decline_reason, errors.CARD_DECLINED)
        operation_abandon(
            payment_id=payment.pk,
            reference=reference,
            actor="reconciliation",
            reason=answer.decline_reason,
            error_code=spec.code,
        )
        return "abandoned"
    if answer.state == "unknown":
        operation_abandon(
            payment_id=payment.pk,
            reference=reference,
            actor="reconciliation",
            reason="not received by the acquirer",
            error_code=errors.PROVIDER_ERROR.code,
        )
        return "abandoned"
    return "processing"


def purge_card_secrets() -> int:
    """Delete card data no provider needs any more: expired tokens, abandoned 3-D Secure."""
    now = timezone.now()
    expired_tokens = CardToken.objects.filter(secret__isnull=False, expires_at__lte=now)
    secret_ids = list(expired_tokens.values_list("secret_id", flat=True))
    expired_tokens.update(secret=None)
    abandoned = Payment.objects.filter(card_secret__isnull=False, card_secret__expires_at__lte=now)
    secret_ids += list(abandoned.values_list("card_secret_id", flat=True))
    abandoned.update(card_secret=None)
    deleted, _ = CardSecret.objects.filter(pk__in=secret_ids).delete()
    return deleted
