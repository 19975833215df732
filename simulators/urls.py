"""The simulators' routes (test equipment; ``payments.web_urls`` routes them only when
``SIMULATORS_ENABLED``). Outside-world APIs answer our provider clients only; controls and
buyer pages need staff or the control token in production (``simulators.access``)."""

from django.urls import path

from simulators import acquirer, bank, chargebacks, directdebit, engine, konbini, tds, wallet_tokens, wallets
from simulators.access import client_only, control


def _wallet(name: str, create: str, status: str, operate: str) -> list:
    fixed, ours = {"provider": name}, client_only(name)
    return [
        path(f"{name}/{create}", ours(wallets.create), fixed, name=f"sim-{name}-create"),
        path(f"{name}/{status}/<str:payment_ref>", ours(wallets.status), fixed),
        path(f"{name}/{operate}/<str:payment_ref>/<str:operation>", ours(wallets.operate), fixed),
    ]


_acquirer, _konbini, _bank = client_only("acquirer"), client_only("konbini"), client_only("bank")
_dd, _dd_name = client_only("directdebit"), {"provider": "directdebit"}

urlpatterns = [
    path("acquirer/v1/authorizations", _acquirer(acquirer.authorize), name="sim-acquirer-authorize"),
    path(
        "acquirer/v1/transactions/<str:transaction_id>/<str:operation>",
        _acquirer(acquirer.operate),
        name="sim-acquirer-operate",
    ),
    path("acquirer/v1/operations/<str:reference>", _acquirer(acquirer.query), name="sim-acquirer-query"),
    path("acquirer/chargebacks", control(chargebacks.chargeback_view), name="sim-acquirer-chargeback"),
    # 3-D Secure 2 server and ACS
    path("tds/v1/enrollments", tds.enrollment, name="sim-tds-enrollment"),
    path("tds/v1/authentications", tds.authenticate, name="sim-tds-authenticate"),
    path("tds/v1/authentications/<str:reference>/challenge", tds.challenge, name="sim-tds-challenge"),
    path("tds/v1/authentications/<str:reference>", tds.result, name="sim-tds-result"),
    # QR wallets, one API dialect each
    *_wallet("paypay", "v2/codes", "v2/codes/payments", "v2/payments"),
    *_wallet("dpay", "api/v1/payments", "api/v1/payments", "api/v1/payments"),
    *_wallet("rakutenpay", "v1/charges", "v1/charges/by-order", "v1/charges"),
    path("<str:wallet>/pay/<str:code_id>/", control(wallets.pay_page), name="sim-wallet-pay"),
    path(
        "<str:wallet>/payments/<str:payment_ref>/expire",
        control(wallets.expire_view),
        name="sim-wallet-expire",
    ),
    # konbini
    path("konbini/v1/slips", _konbini(konbini.create), {"provider": "konbini"}, name="sim-konbini-create"),
    path("konbini/v1/slips/<str:payment_ref>", _konbini(konbini.status), {"provider": "konbini"}),
    path("konbini/v1/slips/<str:payment_ref>/cancel", _konbini(konbini.cancel), {"provider": "konbini"}),
    path("konbini/v1/slips/<str:payment_ref>/expire", control(konbini.expire), name="sim-konbini-expire"),
    path("konbini/v1/store/payments", control(konbini.store_api), name="sim-konbini-pay"),
    path("konbini/store/", control(konbini.store_page), name="sim-konbini-store"),
    # bank (virtual accounts)
    path("bank/v1/accounts", _bank(bank.create), {"provider": "bank"}, name="sim-bank-create"),
    path("bank/v1/accounts/<str:payment_ref>", _bank(bank.status), {"provider": "bank"}),
    path("bank/v1/accounts/<str:payment_ref>/close", _bank(bank.close), {"provider": "bank"}),
    path("bank/v1/accounts/<str:payment_ref>/expire", control(bank.expire), name="sim-bank-expire"),
    path("bank/v1/transfers", control(bank.transfer_api), name="sim-bank-transfer"),
    path("bank/transfer/", control(bank.transfer_page), name="sim-bank-transfer-page"),
    # direct debit (口座振替): account applications, debits, the bank's clearing
    path(
        "directdebit/v1/mandates", _dd(directdebit.mandate_create), _dd_name, name="sim-directdebit-mandates"
    ),
    path(
        "directdebit/v1/mandates/<str:reference>/decide",
        control(directdebit.mandate_decide_view),
        name="sim-directdebit-decide",
    ),
    path(
        "directdebit/approve/<str:mandate_id>/",
        control(directdebit.approve_page),
        name="sim-directdebit-approve",
    ),
    path("directdebit/v1/debits", _dd(directdebit.debit_create), _dd_name, name="sim-directdebit-debits"),
    path("directdebit/v1/debits/<str:payment_ref>", _dd(directdebit.debit_status), _dd_name),
    path("directdebit/v1/debits/<str:payment_ref>/<str:operation>", _dd(directdebit.debit_operate), _dd_name),
    path("directdebit/v1/clearing", control(directdebit.clearing_view), name="sim-directdebit-clearing"),
    # wallets that hand over an encrypted card (Apple Pay, Google Pay): test tokens
    path(
        "wallet-tokens/<str:pay_type>",
        control(wallet_tokens.issue),
        name="sim-wallet-token",
    ),
    # test controls of every simulator
    path("<str:provider>/control", control(engine.control_view), name="sim-control"),
    path(
        "<str:provider>/payments/<str:payment_ref>/renotify",
        control(engine.renotify_view),
        name="sim-renotify",
    ),
]
