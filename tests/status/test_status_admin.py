"""Operators post incidents and maintenance in the admin (two-factor sign-in), audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.models import AuditEvent
from status.models import Incident, IncidentUpdate, Maintenance
from tests.support import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    operator = make_user(email="ops@example.com", password="ops-password-long", is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    device = TOTPDevice.objects.create(user=operator, name="default", confirmed=True)
    token = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    signed_in = client.post(
        "/admin/login/",
        {
            "username": "ops@example.com",
            "password": "ops-password-long",
            "otp_device": device.persistent_id,
            "otp_token": f"{token:06d}",
        },
    )
    assert signed_in.status_code == 302
    client.operator = operator
    return client


def test_operator_posts_an_incident_then_resolves_it(operator_client, client):
    response = operator_client.post(
        "/admin/status/incident/add/",
        {
            "title": "Card authorisations slow",
            "status": "investigating",
            "impact": "degraded",
            "components": ["card"],
            "message": "We are looking into slow authorisations.",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    incident = Incident.objects.get()
    assert (incident.title, incident.status, incident.impact, incident.components) == (
        "Card authorisations slow", "investigating", "degraded", ["card"],
    )  # fmt: skip
    assert list(incident.updates.values_list("status", "message")) == [
        ("investigating", "We are looking into slow authorisations.")
    ]
    created = AuditEvent.objects.get(action="status.incident_created")
    assert (created.actor, created.object_id) == (operator_client.operator, incident.public_id)
    assert created.after["components"] == ["card"]

    card = {c["id"]: c for c in client.get("/status.json").json()["components"]}["card"]
    assert (card["status"], card["reason"]) == ("degraded", "Card authorisations slow")

    resolved = operator_client.post(
        f"/admin/status/incident/{incident.pk}/change/",
        {
            "title": "Card authorisations slow",
            "status": "resolved",
            "impact": "degraded",
            "components": ["card"],
            "message": "Fixed by the acquirer.",
        },
    )
    assert resolved.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert IncidentUpdate.objects.filter(incident=incident).count() == 2
    updated = AuditEvent.objects.get(action="status.incident_updated")
    assert (updated.before, updated.after) == (
        {"status": "investigating"}, {"status": "resolved", "message": "Fixed by the acquirer."},
    )  # fmt: skip
    assert client.get("/status.json").json()["incidents"]["current"] == []
    page = operator_client.get(f"/admin/status/incident/{incident.pk}/change/")
    assert page.status_code == 200
    assert (
        b"Fixed by the acquirer." in page.content
        and b"We are looking into slow authorisations." in page.content
    )


def test_a_status_change_needs_a_public_message(operator_client):
    response = operator_client.post(
        "/admin/status/incident/add/",
        {
            "title": "Silent",
            "status": "investigating",
            "impact": "outage",
            "components": ["api"],
            "message": "",
        },
    )
    assert response.status_code == 200  # the form again, with its error
    assert b"the update is published" in response.content
    assert Incident.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="status.").exists()


def test_operator_schedules_maintenance_and_a_bad_window_is_refused(operator_client):
    bad = operator_client.post(
        "/admin/status/maintenance/add/",
        {
            "title": "Upgrade",
            "message": "",
            "starts_at_0": "2026-12-24", "starts_at_1": "03:00:00",
            "ends_at_0": "2026-12-24", "ends_at_1": "02:00:00",
            "components": ["bank"],
        },
    )  # fmt: skip
    assert bad.status_code == 200 and b"The window ends after it starts." in bad.content
    assert Maintenance.objects.count() == 0
    ok = operator_client.post(
        "/admin/status/maintenance/add/",
        {
            "title": "Upgrade",
            "message": "Transfers are matched after the window.",
            "starts_at_0": "2026-12-24", "starts_at_1": "02:00:00",
            "ends_at_0": "2026-12-24", "ends_at_1": "03:00:00",
            "components": ["bank", "konbini"],
        },
    )  # fmt: skip
    assert ok.status_code == 302
    notice = Maintenance.objects.get()
    assert notice.components == ["konbini", "bank"]  # in the page's order
    event = AuditEvent.objects.get(action="status.maintenance_created")
    assert (event.actor, event.object_id) == (operator_client.operator, notice.public_id)


def test_admin_without_two_factor_is_refused(client, settings):
    settings.ADMIN_REQUIRE_OTP = True
    operator = make_user(is_staff=True)
    operator.groups.add(Group.objects.get(name="operator"))
    client.force_login(operator)
    response = client.post("/admin/status/incident/add/", {"title": "x", "status": "investigating"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert Incident.objects.count() == 0
