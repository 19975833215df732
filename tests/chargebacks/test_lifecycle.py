"""The chargeback state machine and its ledger postings: hold, then release or loss."""

from __future__ import annotations

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from payments.chargebacks import services
from payments.chargebacks.models import Chargeback, ChargebackEvent
from payments.settlements.models import Posting
from portal.errors import FieldError, PortalError
from tests.chargebacks.helpers import balances, captured, open_chargeback

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_hold_then_release_leaves_the_merchant_whole(api, merchant):
    m = merchant.merchant.pk
    payment = captured(api)
    before = balances(m)
    chargeback = open_chargeback(payment, amount=3000)
    assert chargeback.status_code == 4005 and chargeback.amount == 3000
    after_hold = balances(m)
    assert after_hold["chargeback_held"] == -3000
    assert after_hold["merchant_payable"] == before["merchant_payable"] + 3000
    services.chargeback_evidence_add(
        chargeback=chargeback, upload=SimpleUploadedFile("r.pdf", PDF), actor=merchant.owner
    )
    assert services.chargeback_submit(chargeback=chargeback, actor=merchant.owner).status_code == 4006
    decided = services.chargeback_decide(chargeback=chargeback, won=True, actor="acquirer")
    assert decided.status_code == 4007 and decided.decided_at is not None
    assert balances(m) == before  # released: the merchant is whole again
    assert list(ChargebackEvent.objects.filter(chargeback=chargeback).values_list("action", flat=True)) == [
        "opened", "evidence_added", "submitted", "won",
    ]  # fmt: skip


def test_hold_then_loss_moves_the_amount_to_the_acquirer(api, merchant):
    m = merchant.merchant.pk
    payment = captured(api)
    before = balances(m)
    chargeback = open_chargeback(payment, amount=5000)
    lost = services.chargeback_decide(chargeback=chargeback, won=False, actor="acquirer")
    assert lost.status_code == 4011
    after = balances(m)
    assert after["merchant_payable"] == before["merchant_payable"] + 5000
    assert after.get("acquirer_receivable", 0) == before["acquirer_receivable"] - 5000
    assert "chargeback_held" not in after
    stages = list(
        Posting.objects.filter(reference=chargeback.ledger_reference).values_list("stage", flat=True)
    )
    assert sorted(stages) == ["hold", "loss"]
    with pytest.raises(PortalError) as caught:  # no release after a loss
        services.chargeback_decide(chargeback=chargeback, won=True, actor="acquirer")
    assert caught.value.spec.code == "E2600000006"
    with pytest.raises(PortalError):
        services.chargeback_cancel(chargeback=chargeback, actor="acquirer")
    assert balances(m) == after


def test_acquirer_withdrawal_releases_and_is_4009_canceled(api, merchant):
    m = merchant.merchant.pk
    payment = captured(api)
    before = balances(m)
    canceled = services.chargeback_cancel(chargeback=open_chargeback(payment), actor="acquirer")
    assert (canceled.status_code, canceled.canceled) == (4009, True) and canceled.canceled_date
    assert balances(m) == before
    # Closed: the payment may be disputed again.
    assert open_chargeback(payment, amount=100).status_code == 4005


def test_a_repeated_notice_is_the_same_chargeback_and_holds_once(api, merchant):
    payment = captured(api)
    first = open_chargeback(payment, reference="acq_case_1")
    again = open_chargeback(payment, reference="acq_case_1")
    assert again.pk == first.pk and Chargeback.objects.count() == 1
    assert Posting.objects.filter(reference=first.ledger_reference).count() == 1
    assert balances(merchant.merchant.pk)["chargeback_held"] == -3000


def test_amount_and_payment_checks_write_nothing(api):
    payment = captured(api, amount="1000")
    with pytest.raises(PortalError) as caught:
        open_chargeback(payment, amount=1001)
    assert caught.value.spec.code == "E2600000004"
    with pytest.raises(FieldError):
        open_chargeback(payment, amount=0)
    with pytest.raises(FieldError):
        services.chargeback_open(payment=payment, amount=10, category=3, request=11, acquirer_reference="x")
    open_chargeback(payment, amount=1000)
    with pytest.raises(PortalError) as caught:
        open_chargeback(payment, amount=10)
    assert caught.value.spec.code == "E2600000005"
    assert Chargeback.objects.count() == 1


def test_submit_needs_evidence(api, merchant):
    chargeback = open_chargeback(captured(api))
    with pytest.raises(PortalError) as caught:
        services.chargeback_submit(chargeback=chargeback, actor=merchant.owner)
    assert caught.value.spec.code == "E2600000009"


@pytest.mark.django_db(transaction=True)
def test_two_decisions_in_parallel_land_once(api, merchant):
    payment = captured(api)
    chargeback = open_chargeback(payment)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(won: bool) -> None:
        try:
            barrier.wait()
            services.chargeback_decide(chargeback=chargeback, won=won, actor="acquirer")
            outcomes.append("won" if won else "lost")
        except PortalError as exc:
            outcomes.append(exc.spec.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(won,)) for won in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[0] == "E2600000006" and len(outcomes) == 2
    chargeback.refresh_from_db()
    stages = sorted(
        Posting.objects.filter(reference=chargeback.ledger_reference).values_list("stage", flat=True)
    )
    assert stages in (["hold", "release"], ["hold", "loss"])
    assert chargeback.status_code == (4007 if "release" in stages else 4011)


def test_evidence_after_the_due_date_is_refused(api, merchant):
    from datetime import timedelta

    chargeback = open_chargeback(captured(api))
    Chargeback.objects.filter(pk=chargeback.pk).update(
        evidence_due_date=chargeback.evidence_due_date - timedelta(days=15)
    )
    chargeback.refresh_from_db()
    with pytest.raises(PortalError) as caught:
        services.chargeback_evidence_add(
            chargeback=chargeback, upload=SimpleUploadedFile("r.pdf", PDF), actor=merchant.owner
        )
    assert caught.value.spec.code == "E2600000011"
    assert not chargeback.evidence.exists()
