"""What Apple Pay and Google Pay share: a wallet token pays once, and its network token's
cryptogram and ECI reach the acquirer."""

from __future__ import annotations

import pytest

from payments.methods import applepay, googlepay
from payments.methods.wallet_card import WALLET_TOKEN_USED
from payments.models import Payment, WalletTokenUse
from simulators.models import SimulatedAcquirerTransaction
from tests.payments.helpers import VISA
from tests.support import error_codes

pytestmark = pytest.mark.django_db

WALLETS = {"Applepay": (applepay, "07"), "Googlepay": (googlepay, "05")}


def register(api, pay_type: str) -> dict:
    response = api.call("POST", "/v1/payments", {"pay_type": pay_type, "job_code": "AUTH", "amount": "1200"})
    assert response.status_code == 200, response.content
    return response.json()


def execute(api, pay_type: str, payment: dict, tok: str):
    body = {"pay_type": pay_type, "access_id": payment["access_id"], "token": tok, "method": "1"}
    return api.call("PUT", f"/v1/payments/{payment['id']}", body)


@pytest.mark.parametrize("pay_type", WALLETS)
def test_a_wallet_token_pays_once(api, merchant, pay_type):
    module, _ = WALLETS[pay_type]
    tok = module.encrypt_test_token(merchant=merchant.merchant, card_no=VISA, expire="3012")
    first, second = register(api, pay_type), register(api, pay_type)
    assert execute(api, pay_type, first, tok).json()["status"] == "AUTHORIZED"
    replayed = execute(api, pay_type, second, tok)
    assert replayed.status_code == 400 and error_codes(replayed) == [WALLET_TOKEN_USED.code]
    assert Payment.objects.get(order_id=second["id"]).status == "UNPROCESSED"
    assert WalletTokenUse.objects.filter(pay_type=pay_type).count() == 1
    fresh = module.encrypt_test_token(merchant=merchant.merchant, card_no=VISA, expire="3012")
    assert execute(api, pay_type, second, fresh).json()["status"] == "AUTHORIZED"


@pytest.mark.parametrize("pay_type", WALLETS)
def test_the_cryptogram_and_eci_reach_the_acquirer(api, merchant, pay_type):
    module, eci = WALLETS[pay_type]
    payment = register(api, pay_type)
    tok = module.encrypt_test_token(merchant=merchant.merchant, card_no=VISA, expire="3012")
    assert execute(api, pay_type, payment, tok).json()["status"] == "AUTHORIZED"
    (authorisation,) = SimulatedAcquirerTransaction.objects.filter(reference__startswith=payment["access_id"])
    assert authorisation.response["eci"] == eci


def test_a_card_token_sends_no_network_token(api, public_api):
    from tests.payments.helpers import execute as card_execute
    from tests.payments.helpers import register as card_register
    from tests.payments.helpers import token

    payment = card_register(api)
    assert card_execute(api, payment, token(public_api)).json()["status"] == "AUTHORIZED"
    (authorisation,) = SimulatedAcquirerTransaction.objects.filter(reference__startswith=payment["access_id"])
    assert "eci" not in authorisation.response


def test_old_uses_are_purged(settings):
    from datetime import timedelta

    from django.utils import timezone

    from payments.methods.wallet_card import wallet_token_use, wallet_token_use_purge

    assert wallet_token_use(pay_type="Applepay", token_id="a") and wallet_token_use(
        pay_type="Applepay", token_id="b"
    )
    assert not wallet_token_use(pay_type="Applepay", token_id="a")
    WalletTokenUse.objects.filter(digest__isnull=False).update(
        used_at=timezone.now() - timedelta(days=settings.WALLET_TOKEN_USE_DAYS + 1)
    )
    assert wallet_token_use_purge() == 2 and not WalletTokenUse.objects.exists()
