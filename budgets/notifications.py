"""Telling a project's owners: e-mail, and a generic JSON webhook (Slack incoming webhooks accept it)."""

from __future__ import annotations

import logging
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from budgets.models import Anomaly, BudgetAlert, Project, ProjectMember
from budgets.money import fmt, to_currency
from portal.destinations import DestinationRefused, guarded_client, staff_loopback

logger = logging.getLogger(__name__)
WEBHOOK_TIMEOUT = httpx.Timeout(5.0, connect=3.0)


class RetryableDeliveryError(Exception):
    """A network error or a 5xx from the webhook: worth retrying later."""


def queue_digest(project_ids: list[int]) -> None:
    """Send the projects' digests (new anomalies and alerts) once the current transaction commits."""
    from budgets.tasks import digest

    ids = sorted(set(project_ids))
    if ids:
        transaction.on_commit(lambda: digest.delay(project_ids=ids))


def send_digest(*, project_id: int) -> str:
    """One e-mail (and one webhook call) with every anomaly and alert of the project not sent yet.

    The rows are claimed with a conditional update (``notified_at IS NULL``): a digest sent twice,
    or two concurrent ones, send each anomaly once."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        return "no project"
    now = timezone.now()
    with transaction.atomic():
        anomaly_ids = list(
            Anomaly.objects.select_for_update(skip_locked=True)
            .filter(project=project, notified_at__isnull=True, status=Anomaly.Status.OPEN)
            .values_list("pk", flat=True)
        )
        alert_ids = list(
            BudgetAlert.objects.select_for_update(skip_locked=True)
            .filter(project=project, notified_at__isnull=True)
            .values_list("pk", flat=True)
        )
        Anomaly.objects.filter(pk__in=anomaly_ids, notified_at__isnull=True).update(notified_at=now)
        BudgetAlert.objects.filter(pk__in=alert_ids, notified_at__isnull=True).update(notified_at=now)
    if not anomaly_ids and not alert_ids:
        return "nothing new"
    anomalies = list(
        Anomaly.objects.filter(pk__in=anomaly_ids).select_related("project").order_by("start_date")
    )
    alerts = list(
        BudgetAlert.objects.filter(pk__in=alert_ids).select_related("project").order_by("created_at")
    )
    parts = [_message("alert", a) for a in alerts] + [_message("anomaly", a) for a in anomalies]
    link = settings.PORTAL_BASE_URL + reverse("budgets-project", args=[project.public_id])
    lines = [f"[{project.name}] {len(anomalies)} new anomalies, {len(alerts)} budget alerts"]
    lines += [f"- {text.removeprefix(f'[{project.name}] ')}" for _, text, _ in parts]
    text = "\n".join(lines) + f"\n{link}"
    payload = {
        "event": "budgets.digest",
        "project": project.name,
        "project_id": project.public_id,
        "url": link,
        "anomalies": [p for _, _, p in parts if p["event"] == "budgets.anomaly"],
        "alerts": [p for _, _, p in parts if p["event"] == "budgets.alert"],
        "text": text,
    }
    owners = list(
        ProjectMember.objects.filter(project=project, role=ProjectMember.Role.OWNER).values_list(
            "user__email", flat=True
        )
    )
    if owners:
        try:
            send_mail(f"[budgets] {project.name}: daily digest", text, settings.DEFAULT_FROM_EMAIL, owners)
        except Exception:
            logger.exception("could not e-mail the owners of %s", project.public_id)
    if project.webhook_url:
        from budgets.tasks import webhook

        webhook.delay(url=project.webhook_url, payload=payload)
    return f"digest of {len(anomaly_ids)} anomalies and {len(alert_ids)} alerts to {len(owners)} owner(s)"


def _message(kind: str, obj: Any) -> tuple[Project, str, dict[str, Any]]:
    if kind == "anomaly":
        project = obj.project
        cur = project.currency
        text = (
            f"[{project.name}] {obj.get_type_display()} since {obj.start_date}: {obj.scope} — "
            f"expected {fmt(obj.expected, cur)} {cur}/day, actual {fmt(obj.actual, cur)}; "
            f"estimated monthly impact {fmt(obj.monthly_impact, cur)} {cur}. "
            "Please answer: expected / planned / fixed / false alarm."
        )
        payload = {
            "event": "budgets.anomaly",
            "id": obj.public_id,
            "type": obj.type,
            "scope": obj.scope,
            "start": obj.start_date.isoformat(),
            "service": obj.service_name or None,
            "resource_id": obj.resource_id or None,
            "sub_account_id": obj.sub_account_id or None,
            "expected": format(to_currency(obj.expected, cur), "f"),
            "actual": format(to_currency(obj.actual, cur), "f"),
            "monthly_impact": format(to_currency(obj.monthly_impact, cur), "f"),
        }
    else:
        project = obj.project
        text = f"[{project.name}] {obj.message}"
        payload = {"event": "budgets.alert", "id": obj.pk, "kind": obj.kind, "threshold": obj.threshold}
    link = settings.PORTAL_BASE_URL + reverse("budgets-project", args=[project.public_id])
    payload.update(project=project.name, project_id=project.public_id, url=link, text=f"{text}\n{link}")
    return project, text, payload


def deliver(*, kind: str, object_id: int) -> str:
    """E-mail the owners once (claimed by a conditional update), then call the webhook."""
    model = Anomaly if kind == "anomaly" else BudgetAlert
    claimed = model.objects.filter(pk=object_id, notified_at__isnull=True).update(notified_at=timezone.now())
    if not claimed:
        return "already notified"
    obj = model.objects.select_related("project").get(pk=object_id)
    project, _, payload = _message(kind, obj)
    owners = list(
        ProjectMember.objects.filter(project=project, role=ProjectMember.Role.OWNER).values_list(
            "user__email", flat=True
        )
    )
    if owners:
        try:
            send_mail(f"[budgets] {project.name}", payload["text"], settings.DEFAULT_FROM_EMAIL, owners)
        except Exception:
            logger.exception("could not e-mail the owners of %s", project.public_id)
    if project.webhook_url:
        from budgets.tasks import webhook

        webhook.delay(url=project.webhook_url, payload=payload)
    return f"notified {len(owners)} owner(s)"


def post_webhook(*, url: str, payload: dict[str, Any]) -> int:
    """POST the notification; its HTTP status, or 0 when the destination is refused (not a
    public address: ``portal.destinations``, as for merchants' webhooks; not retried)."""
    try:
        # The finance team's own destination (Slack, Teams): through the outbound layer (its
        # logs, tracing and TLS context), public addresses only, not the providers' allowlist.
        with guarded_client(
            purpose="budgets-webhook", loopback=staff_loopback(), timeout=WEBHOOK_TIMEOUT
        ) as client:
            response = client.post(url, json=payload)
    except DestinationRefused as exc:
        logger.warning("the project webhook %s was not called: %s", url, exc.reason)
        return 0
    except httpx.TransportError as exc:
        raise RetryableDeliveryError(str(exc)) from exc
    if response.status_code >= 500:
        raise RetryableDeliveryError(f"webhook answered {response.status_code}")
    if response.status_code >= 400:
        logger.warning("webhook %s refused the notification: %s", url, response.status_code)
    return response.status_code
