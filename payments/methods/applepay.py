"""Apple Pay (``Applepay``): the buyer's device gives an encrypted payment token, the gateway
decrypts it and the card acquirer authorises the card (``payments.methods.wallet_card``).

fincode's Apple Pay takes ``token`` = Base64 of ``PKPaymentToken.paymentData`` (EC_v1)::

    {"version": "EC_v1", "data": b64, "signature": b64,
     "header": {"ephemeralPublicKey": b64 SPKI, "publicKeyHash": b64, "transactionId": hex}}

Decryption as Apple specifies for EC_v1: ECDH of the payment processing key with the ephemeral
key, NIST SP 800-56A concatenation KDF (SHA-256; ``id-aes256-GCM`` | ``Apple`` |
SHA-256(merchant identifier)), AES-256-GCM with a zero IV. Simplified (docs/wallets.md): the
signature is a bare ECDSA-SHA256 over ``ephemeralPublicKey || data || transactionId`` by the
product's test signing key (live: ``applepay-signing.pem``), not Apple's CMS/PKCS #7 with
Apple's certificate chain and signing time; the merchant identifier is ``merchant.<shop_id>``;
RSA_v1 is not taken. Operations are fincode's for Apple Pay: capture and cancel.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from datetime import date
from functools import cached_property

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.utils.translation import gettext_lazy as _

from payments.methods.base import MethodApi
from payments.methods.wallet_card import (
    TokenRefused,
    WalletCard,
    WalletCardMethod,
    b64,
    ecdsa_ok,
    pay_type_field,
    private_key,
    public_key,
    test_key,
    unb64,
    wallet_response,
)
from portal.models import Merchant

KEY, SIGNING_KEY = "applepay", "applepay-signing"
_ZERO_IV = bytes(16)


def merchant_identifier(merchant: Merchant) -> str:
    return f"merchant.{merchant.public_id}"


def _kdf(shared: bytes, merchant: Merchant) -> bytes:
    """NIST SP 800-56A concatenation KDF, one round of SHA-256 (Apple's EC_v1)."""
    algorithm = b"\x0did-aes256-GCM"
    party_v = hashlib.sha256(merchant_identifier(merchant).encode()).digest()
    return hashlib.sha256(b"\x00\x00\x00\x01" + shared + algorithm + b"Apple" + party_v).digest()


def _spki(key: ec.EllipticCurvePublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _signed(header: dict, data: bytes) -> bytes:
    return unb64(header["ephemeralPublicKey"]) + data + bytes.fromhex(header["transactionId"])


def decrypt(raw: str, merchant: Merchant, mode: str) -> WalletCard:
    payment_data = json.loads(unb64(raw))
    header = payment_data["header"]
    if payment_data.get("version") != "EC_v1" or not isinstance(header, dict):
        raise TokenRefused()
    data = unb64(payment_data["data"])
    if not ecdsa_ok(public_key(SIGNING_KEY, mode), unb64(payment_data["signature"]), _signed(header, data)):
        raise TokenRefused()
    key = private_key(KEY, mode)
    if unb64(header["publicKeyHash"]) != hashlib.sha256(_spki(key.public_key())).digest():
        raise TokenRefused()  # encrypted to another key
    ephemeral = serialization.load_der_public_key(unb64(header["ephemeralPublicKey"]))
    if not isinstance(ephemeral, ec.EllipticCurvePublicKey):
        raise TokenRefused()
    shared = key.exchange(ec.ECDH(), ephemeral)
    clear = json.loads(AESGCM(_kdf(shared, merchant)).decrypt(_ZERO_IV, data, None))
    expiry = str(clear["applicationExpirationDate"])  # YYMMDD
    extra = clear.get("paymentData") or {}
    return WalletCard(
        number=str(clear["applicationPrimaryAccountNumber"]),
        expire=expiry[:4],
        cryptogram=str(extra.get("onlinePaymentCryptogram") or ""),
        eci=str(extra.get("eciIndicator") or ""),
        token_id=str(header["transactionId"]),
    )


def encrypt_test_token(*, merchant: Merchant, card_no: str, expire: str, expired: bool = False) -> str:
    """What a device gives in test mode: EC_v1 payment data encrypted to the product's test key."""
    if expired:
        expire = f"{(date.today().year - 1) % 100:02d}12"
    recipient = test_key(KEY).public_key()
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), recipient)
    clear = {
        "applicationPrimaryAccountNumber": card_no,
        "applicationExpirationDate": f"{expire}28",
        "currencyCode": "392",
        "transactionAmount": 0,
        "deviceManufacturerIdentifier": "040010030273",
        "paymentDataType": "3DSecure",
        "paymentData": {"onlinePaymentCryptogram": b64(os.urandom(20)), "eciIndicator": "07"},
    }
    data = AESGCM(_kdf(shared, merchant)).encrypt(_ZERO_IV, json.dumps(clear).encode(), None)
    header = {
        "ephemeralPublicKey": b64(_spki(ephemeral.public_key())),
        "publicKeyHash": b64(hashlib.sha256(_spki(recipient)).digest()),
        "transactionId": secrets.token_hex(32),
    }
    signature = test_key(SIGNING_KEY).sign(_signed(header, data), ec.ECDSA(hashes.SHA256()))
    payment_data = {"version": "EC_v1", "data": b64(data), "signature": b64(signature), "header": header}
    return b64(json.dumps(payment_data).encode())


class ApplePayMethod(WalletCardMethod):
    pay_type = "Applepay"
    label = _("Apple Pay")
    event_prefix = "payments.applepay"
    fee_prefix = "applepay_"
    operations = frozenset({"capture", "cancel"})
    key_names = (KEY, SIGNING_KEY)

    @cached_property
    def api(self) -> MethodApi:
        from rest_framework import serializers

        from payments.api import serializers as s

        class ApplepayRegisterRequest(s.PaymentRegisterRequest):
            pay_type = pay_type_field(self.pay_type)
            job_code = serializers.ChoiceField(choices=["AUTH", "CAPTURE"])
            tds_type = tds2_type = td_tenant_name = None  # type: ignore[assignment]  # DRF: removes the fields

        class ApplepayExecuteRequest(s.RequestSerializer):
            pay_type = pay_type_field(self.pay_type)
            access_id = serializers.CharField(max_length=24)
            token = serializers.CharField(max_length=16384, help_text="Base64 of PKPaymentToken.paymentData.")
            customer_id = serializers.CharField(
                max_length=60, required=False, allow_null=True, allow_blank=True
            )

        class ApplepayActionRequest(s.RequestSerializer):
            pay_type = pay_type_field(self.pay_type)
            access_id = serializers.CharField(max_length=24)

        omit = (
            "card_id", "bulk_payment_id", "subscription_id", "tds_type", "tds2_type", "tds2_ret_url",
            "return_url", "return_url_on_failure", "tds2_status", "merchant_name",
        )  # fmt: skip
        return MethodApi(
            register=ApplepayRegisterRequest,
            execute=ApplepayExecuteRequest,
            response=wallet_response("PaymentApplepayResponse", omit),
            actions={"capture": ApplepayActionRequest, "cancel": ApplepayActionRequest},
        )

    def decrypt(self, raw: str, merchant: Merchant, mode: str) -> WalletCard:
        return decrypt(raw, merchant, mode)

    def test_token(self, *, merchant: Merchant, card_no: str, expire: str, expired: bool = False) -> str:
        return encrypt_test_token(merchant=merchant, card_no=card_no, expire=expire, expired=expired)
