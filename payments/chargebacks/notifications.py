"""``POST /notifications/acquirer/chargebacks``: the card acquirer's signed dispute notices
(``X-Acquirer-Timestamp`` / ``X-Acquirer-Signature``, HMAC-SHA256 of ``stamp.body``, as the
bank's), applied at once by ``services.chargeback_notice_apply`` (idempotent per case)."""

from __future__ import annotations

import json
import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.chargebacks import services
from payments.providers.async_http import fresh_stamp, header, same
from payments.providers.http import hmac_hex, provider_secret
from portal.errors import PortalError
from portal.models import Mode

logger = logging.getLogger(__name__)


def _mode(headers, body: bytes) -> str | None:
    stamp = header(headers, "X-Acquirer-Timestamp")
    if not fresh_stamp(stamp):
        return None
    for mode in (Mode.TEST, Mode.LIVE):
        secret = provider_secret("acquirer", mode)
        if secret and same(
            hmac_hex(secret, stamp.encode() + b"." + body), header(headers, "X-Acquirer-Signature")
        ):
            return mode
    return None


@csrf_exempt
@require_POST
def acquirer_chargeback_notification(request):
    mode = _mode(request.headers, request.body)
    if mode is None:
        return JsonResponse({"error": "bad signature"}, status=401)
    try:
        notice = json.loads(request.body)
        if not isinstance(notice, dict) or notice.get("type") != "chargeback":
            raise ValueError("not a chargeback notice")
    except ValueError as exc:
        return JsonResponse({"error": f"unreadable notification: {exc}"}, status=400)
    try:
        chargeback = services.chargeback_notice_apply(mode=mode, notice=notice)
    except PortalError as exc:
        logger.warning("chargeback notice refused: %s", exc.message)
        return JsonResponse({"error": exc.message}, status=exc.spec.status)
    return JsonResponse(
        {"received": True, "id": chargeback.chargeback_id, "status_code": chargeback.status_code}
    )
