"""The merchant's chargeback pages: list with filters, detail with evidence upload and timeline,
and the test-mode "Simulate chargeback" button (through the acquirer simulator's notice)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from payments.chargebacks.models import Chargeback, ChargebackEvidence
from tests.chargebacks.helpers import captured, open_chargeback
from tests.support import make_merchant

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _owner(merchant) -> Client:
    client = Client()
    client.force_login(merchant.owner)
    return client


def test_list_detail_upload_submit(api, merchant):
    chargeback = open_chargeback(captured(api))
    client, m = _owner(merchant), merchant.merchant.public_id
    listing = client.get(f"/m/{m}/chargebacks/")
    assert listing.status_code == 200 and str(chargeback.chargeback_id).encode() in listing.content
    assert (
        str(chargeback.chargeback_id).encode()
        not in client.get(f"/m/{m}/chargebacks/?status_code=4011").content
    )
    assert str(chargeback.chargeback_id).encode() not in client.get(f"/m/{m}/chargebacks/?mode=live").content
    detail = f"/m/{m}/chargebacks/test/{chargeback.chargeback_id}/"
    assert b"Submit evidence" in client.get(detail).content
    bad = client.post(detail + "evidence", {"file": SimpleUploadedFile("x.pdf", b"not a pdf")})
    assert bad.status_code == 302 and not ChargebackEvidence.objects.exists()
    client.post(detail + "evidence", {"file": SimpleUploadedFile("proof.pdf", PDF)})
    client.post(detail + "submit")
    chargeback.refresh_from_db()
    assert chargeback.status_code == 4006
    page = client.get(detail).content.decode()
    assert "proof.pdf" in page and "submitted" in page and "evidence_added" in page


def test_another_merchants_chargeback_page_is_404(api, merchant):
    chargeback = open_chargeback(captured(api))
    stranger = make_merchant(name="Stranger")
    client, m = _owner(stranger), stranger.merchant.public_id
    assert client.get(f"/m/{m}/chargebacks/test/{chargeback.chargeback_id}/").status_code == 404
    assert client.post(f"/m/{m}/chargebacks/test/{chargeback.chargeback_id}/submit").status_code == 404


def test_simulate_button_raises_one_through_the_acquirer(api, merchant):
    payment = captured(api)
    client, m = _owner(merchant), merchant.merchant.public_id
    assert b"Simulate chargeback" in client.get(f"/m/{m}/chargebacks/").content
    assert b"Simulate chargeback" not in client.get(f"/m/{m}/chargebacks/?mode=live").content
    answer = client.post(f"/m/{m}/chargebacks/simulate", {"order_id": payment.order_id})
    assert answer.status_code == 302
    chargeback = Chargeback.objects.get()
    assert (
        chargeback.payment_id == payment.pk and chargeback.amount == 5000 and chargeback.status_code == 4005
    )
    client.post(f"/m/{m}/chargebacks/simulate", {"order_id": "nope"})
    assert Chargeback.objects.count() == 1
