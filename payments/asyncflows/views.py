"""``POST /notifications/<provider>``: where wallets, konbini and the bank notify us."""

from __future__ import annotations

import logging

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from payments.asyncflows.notifications import Rejected, notification_receive

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def provider_notification(request, provider: str):
    """Verify, store once, process later (a task queued on commit). A replay is acknowledged, not reprocessed."""
    try:
        row, created = notification_receive(provider=provider, headers=request.headers, body=request.body)
    except Rejected as exc:
        logger.warning("notification from %s refused: %s", provider, exc.reason)
        return JsonResponse({"error": exc.reason}, status=exc.status)
    return JsonResponse({"received": True, "duplicate": not created, "event_id": row.event_id})
