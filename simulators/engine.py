"""What the wallet, konbini and bank simulators share: state per payment, idempotent operations,
configurable latency and failures, and signed notifications to the gateway.

Latency and failures are set per provider in ``PROVIDER_SIMULATOR_LATENCY`` or at run
time with ``POST /simulators/<provider>/control`` (kept in Redis, so every process of
the product sees it)::

    {"latency": 2.5}                       # seconds before each API answer
    {"fail_status": 500, "fail_count": 3}  # the next 3 API calls answer HTTP 500 (-1: all)
    {"notifications": false}               # stop sending notifications (the gateway must poll)

Each operation is recorded under the gateway's reference (under a row lock): a
repeated reference gets the first answer again and changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from redis.exceptions import RedisError

from payments.providers import http
from portal.redis import get_redis
from simulators.models import SimulatedProviderPayment as Row

logger = logging.getLogger(__name__)


class SimulatorError(Exception):
    def __init__(self, status: int, error: str):
        super().__init__(error)
        self.status, self.error = status, error


def _control_key(provider: str) -> str:
    return f"simulator:{{{provider}}}"


def control(provider: str) -> dict[str, Any]:
    try:
        raw = get_redis().hgetall(_control_key(provider))
    except RedisError:
        raw = {}
    values = {k.decode(): json.loads(v) for k, v in raw.items()}
    values.setdefault("latency", settings.PROVIDER_SIMULATOR_LATENCY.get(provider, 0.0))
    return values


def _count(provider: str, name: str, by: int) -> None:
    with contextlib.suppress(RedisError):
        get_redis().hincrby(_control_key(provider), name, by)


def set_control(provider: str, **values: Any) -> dict[str, Any]:
    redis = get_redis()
    for name, value in values.items():
        if value is None:
            redis.hdel(_control_key(provider), name)
        else:
            redis.hset(_control_key(provider), name, json.dumps(value))
    return control(provider)


def json_body(request) -> dict:
    # JSON only: a browser's cross-site form can send text/plain, never application/json
    # without a CORS preflight (a staging system's staff sessions must not be driven so).
    if request.content_type != "application/json":
        raise SimulatorError(415, "unsupported_media_type")
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise SimulatorError(400, "bad_json") from exc
    if not isinstance(body, dict):
        raise SimulatorError(400, "bad_json")
    return body


def api(view: Callable):
    """Decorate a simulator API view ``(request, provider, …)``: latency, injected failures, JSON errors."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request, provider: str, *args, **kwargs):
        now = control(provider)
        _count(provider, "calls", 1)
        _count(provider, "inflight", 1)
        try:
            if now.get("latency"):
                time.sleep(float(now["latency"]))
            if now.get("fail_status") and now.get("fail_count", -1) != 0:
                if now.get("fail_count", -1) > 0:
                    _count(provider, "fail_count", -1)
                return JsonResponse({"error": "injected_failure"}, status=int(now["fail_status"]))
            return view(request, provider, *args, **kwargs)
        except SimulatorError as exc:
            return JsonResponse({"error": exc.error}, status=exc.status)
        finally:
            _count(provider, "inflight", -1)

    return wrapper


def open_payment(provider: str, payment_ref: str, *, make: Callable[[], dict]) -> Row:
    """The row of ``payment_ref``, created with ``make()`` fields on first sight."""
    row = Row.objects.filter(provider=provider, payment_ref=payment_ref).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():
            return Row.objects.create(provider=provider, payment_ref=payment_ref, **make())
    except IntegrityError:
        return Row.objects.get(provider=provider, payment_ref=payment_ref)


def once(provider: str, payment_ref: str, reference: str, apply: Callable[[Row], dict]) -> dict:
    """Apply an operation once per reference; a repeat gets the first answer.

    ``apply`` runs on the locked row and returns the answer; it may raise SimulatorError.
    """
    if not reference:
        raise SimulatorError(400, "request_id_required")
    with transaction.atomic():
        row = Row.objects.select_for_update().filter(provider=provider, payment_ref=payment_ref).first()
        if row is None:
            raise SimulatorError(404, "not_found")
        if reference in row.references:
            return row.references[reference]
        answer = apply(row)
        row.references = {**row.references, reference: answer}
        row.save()
    return answer


def by_ref(provider: str, payment_ref: str) -> Row:
    row = Row.objects.filter(provider=provider, payment_ref=payment_ref).first()
    if row is None:
        raise SimulatorError(404, "not_found")
    return row


def expire_if_due(row: Row, awaiting: set[str], expired_state: str) -> Row:
    """Time passes at the provider too: an unpaid payment past its deadline is expired."""
    if row.state in awaiting and row.deadline and row.deadline <= timezone.now():
        Row.objects.filter(pk=row.pk, state=row.state).update(state=expired_state)
        row.refresh_from_db()
    return row


def new_id(prefix: str = "", digits: int = 0) -> str:
    if digits:
        return "".join(str(secrets.randbelow(10)) for _ in range(digits))
    return prefix + secrets.token_hex(10)


# --- Notifications ---------------------------------------------------------------------------


def notify(row: Row, body: dict, sign: Callable[[bytes], dict[str, str]]) -> None:
    """Record a notification and send it to the gateway once the change is committed."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    entry = {"body": raw.decode(), "headers": sign(raw), "created_at": timezone.now().isoformat()}
    Row.objects.filter(pk=row.pk).update(notifications=[*row.notifications, entry])
    row.notifications = [*row.notifications, entry]
    if control(row.provider).get("notifications", True) and row.notify_url:
        transaction.on_commit(lambda: send(row.notify_url, entry))


def send(url: str, entry: dict) -> int | None:
    headers = {"Content-Type": "application/json", **entry["headers"]}
    try:
        response = http.client("simulator-notify", 5.0).post(
            url, content=entry["body"].encode(), headers=headers
        )
    except Exception as exc:  # the outside world: log and let the gateway's polling find out
        logger.warning("simulator notification to %s failed: %s", url, exc)
        return None
    return response.status_code


def signed_with(provider: str) -> str:
    secret = http.provider_secret(provider, "test")
    assert secret
    return secret


@csrf_exempt
@require_http_methods(["GET", "POST"])
def control_view(request, provider: str):
    """Test control: latency, injected failures, notifications on/off; GET also shows the
    API calls received so far (``calls``) and those being answered right now (``inflight``)."""
    if request.method == "GET":
        return JsonResponse(control(provider))
    try:
        body = json_body(request)
    except SimulatorError as exc:
        return JsonResponse({"error": exc.error}, status=400)
    allowed = {"latency", "fail_status", "fail_count", "notifications"}
    return JsonResponse(set_control(provider, **{k: v for k, v in body.items() if k in allowed}))


@csrf_exempt
@require_POST
def renotify_view(request, provider: str, payment_ref: str):
    """Test control: send a payment's notifications again (all, or the one at ``index``)."""
    row = Row.objects.filter(provider=provider, payment_ref=payment_ref).first()
    if row is None:
        return JsonResponse({"error": "not_found"}, status=404)
    index = request.GET.get("index")
    entries = row.notifications if index is None else [row.notifications[int(index)]]
    return JsonResponse({"sent": [send(row.notify_url, entry) for entry in entries]})
