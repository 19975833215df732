"""Google Pay (``Googlepay``): the buyer's Google Pay gives a payment token (ECv2), the gateway
decrypts it and the card acquirer authorises the card (``payments.methods.wallet_card``);
capture, cancel, change, re-authorise and 3-D Secure 2 as cards (fincode's Google Pay).

The token (fincode's ``token``: the Base64 of the ``paymentMethodData.tokenizationData.token``
JSON; the JSON itself is also taken)::

    {"protocolVersion": "ECv2", "signature": b64,
     "intermediateSigningKey": {"signedKey": "{\\"keyValue\\": b64 SPKI, \\"keyExpiration\\": ms}",
                                "signatures": [b64]},
     "signedMessage": "{\\"encryptedMessage\\": b64, \\"ephemeralPublicKey\\": b64, \\"tag\\": b64}"}

As Google specifies: the root signing key verifies the intermediate key, which verifies the
message (sender ``Google``, recipient ``gateway:fincode``); ECIES-KEM: ECDH with the gateway
key, HKDF-SHA256 (ephemeral key || shared secret, zero salt, info ``Google``) into an
AES-256-CTR key and an HMAC-SHA256 key; the tag is checked before decrypting. Then
``messageExpiration`` and ``gatewayMerchantId`` (= the merchant's shop id). Simplified
(docs/wallets.md): one root key (test: the product's; live: ``googlepay-root.pem``) instead of
Google's published key list.
"""

from __future__ import annotations

import hmac
import json
import os
import struct
import time
from functools import cached_property

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.utils.translation import gettext_lazy as _

from payments.methods.base import MethodApi
from payments.methods.card import CardMethod
from payments.methods.wallet_card import (
    WALLET_TOKEN_EXPIRED,
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

KEY, ROOT_KEY = "googlepay", "googlepay-root"
SENDER, RECIPIENT, VERSION = "Google", "gateway:fincode", "ECv2"


def _signed(*parts: str) -> bytes:
    return b"".join(struct.pack("<I", len(p.encode())) + p.encode() for p in parts)


def _keys(ephemeral: bytes, shared: bytes) -> tuple[bytes, bytes]:
    derived = HKDF(hashes.SHA256(), 64, salt=bytes(32), info=SENDER.encode()).derive(ephemeral + shared)
    return derived[:32], derived[32:]


def _ctr(key: bytes, data: bytes) -> bytes:
    coder = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()
    return coder.update(data) + coder.finalize()


def _now_ms() -> int:
    return int(time.time() * 1000)


def token_text(raw: str) -> str:
    """fincode's ``token`` is the Base64 of Google Pay's token JSON; the bare JSON is taken too."""
    text = raw.strip()
    return text if text.startswith("{") else unb64(text).decode()


def decrypt(raw: str, merchant: Merchant, mode: str) -> WalletCard:
    token = json.loads(token_text(raw))
    if token["protocolVersion"] != VERSION:
        raise TokenRefused()
    intermediate = token["intermediateSigningKey"]
    signed_key = intermediate["signedKey"]
    root = public_key(ROOT_KEY, mode)
    if not any(
        ecdsa_ok(root, unb64(s), _signed(SENDER, VERSION, signed_key)) for s in intermediate["signatures"]
    ):
        raise TokenRefused()
    key_value = json.loads(signed_key)
    if int(key_value["keyExpiration"]) <= _now_ms():
        raise TokenRefused(WALLET_TOKEN_EXPIRED)
    signing = serialization.load_der_public_key(unb64(key_value["keyValue"]))
    message = token["signedMessage"]
    if not isinstance(signing, ec.EllipticCurvePublicKey) or not ecdsa_ok(
        signing, unb64(token["signature"]), _signed(SENDER, RECIPIENT, VERSION, message)
    ):
        raise TokenRefused()
    sealed = json.loads(message)
    ephemeral = unb64(sealed["ephemeralPublicKey"])
    point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ephemeral)
    shared = private_key(KEY, mode).exchange(ec.ECDH(), point)
    aes_key, mac_key = _keys(ephemeral, shared)
    encrypted = unb64(sealed["encryptedMessage"])
    if not hmac.compare_digest(hmac.digest(mac_key, encrypted, "sha256"), unb64(sealed["tag"])):
        raise TokenRefused()
    clear = json.loads(_ctr(aes_key, encrypted))
    if int(clear["messageExpiration"]) <= _now_ms():
        raise TokenRefused(WALLET_TOKEN_EXPIRED)
    if clear["gatewayMerchantId"] != merchant.public_id or clear["paymentMethod"] != "CARD":
        raise TokenRefused()
    details = clear["paymentMethodDetails"]
    return WalletCard(
        number=str(details["pan"]),
        expire=f"{int(details['expirationYear']) % 100:02d}{int(details['expirationMonth']):02d}",
        cryptogram=str(details.get("cryptogram") or ""),
        eci=str(details.get("eciIndicator") or ""),
        token_id=str(clear["messageId"]),
    )


def encrypt_test_token(
    *, merchant: Merchant, card_no: str, expire: str, expired: bool = False, pan_only: bool = False
) -> str:
    """What Google Pay gives in test mode: ECv2, encrypted to the product's test gateway key and
    signed by a fresh intermediate key that the product's test root key signs.

    ``pan_only``: a card kept in the buyer's Google account (``authMethod`` PAN_ONLY: the card
    number, no cryptogram or ECI) instead of a device's network token (CRYPTOGRAM_3DS)."""
    recipient = test_key(KEY).public_key()
    ephemeral_key = ec.generate_private_key(ec.SECP256R1())
    ephemeral = ephemeral_key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    aes_key, mac_key = _keys(ephemeral, ephemeral_key.exchange(ec.ECDH(), recipient))
    expiry = _now_ms() + (-1000 if expired else 3_600_000)
    clear = {
        "gatewayMerchantId": merchant.public_id,
        "messageExpiration": str(expiry),
        "messageId": b64(os.urandom(16)),
        "paymentMethod": "CARD",
        "paymentMethodDetails": {
            "authMethod": "PAN_ONLY" if pan_only else "CRYPTOGRAM_3DS",
            "pan": card_no,
            "expirationMonth": int(expire[2:]),
            "expirationYear": 2000 + int(expire[:2]),
            **({} if pan_only else {"cryptogram": b64(os.urandom(20)), "eciIndicator": "05"}),
        },
    }
    encrypted = _ctr(aes_key, json.dumps(clear).encode())
    message = json.dumps({
        "encryptedMessage": b64(encrypted),
        "ephemeralPublicKey": b64(ephemeral),
        "tag": b64(hmac.digest(mac_key, encrypted, "sha256")),
    })  # fmt: skip
    intermediate = ec.generate_private_key(ec.SECP256R1())
    spki = intermediate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signed_key = json.dumps({"keyValue": b64(spki), "keyExpiration": str(_now_ms() + 86_400_000)})
    sign = ec.ECDSA(hashes.SHA256())
    token = {
        "protocolVersion": VERSION,
        "signature": b64(intermediate.sign(_signed(SENDER, RECIPIENT, VERSION, message), sign)),
        "intermediateSigningKey": {
            "signedKey": signed_key,
            "signatures": [b64(test_key(ROOT_KEY).sign(_signed(SENDER, VERSION, signed_key), sign))],
        },
        "signedMessage": message,
    }
    return json.dumps(token)


class GooglePayMethod(WalletCardMethod):
    pay_type = "Googlepay"
    label = _("Google Pay")
    event_prefix = "payments.googlepay"
    fee_prefix = "googlepay_"
    operations = frozenset({"capture", "cancel", "auth", "change", "secure"})
    key_names = (KEY, ROOT_KEY)

    @cached_property
    def api(self) -> MethodApi:
        from rest_framework import serializers

        from payments.api import serializers as s

        card = CardMethod().api

        class GooglepayRegisterRequest(s.PaymentRegisterRequest):
            pay_type = pay_type_field(self.pay_type)
            job_code = serializers.ChoiceField(choices=["AUTH", "CAPTURE"])

        class GooglepayExecuteRequest(s.PaymentExecuteRequest):
            pay_type = pay_type_field(self.pay_type)
            token = serializers.CharField(
                max_length=16384,
                help_text="Google Pay's payment token: Base64 of its ECv2 JSON (the JSON itself is also taken).",
            )
            method = serializers.ChoiceField(choices=["1", "2", "5"])
            card_id = None  # type: ignore[assignment]  # DRF: None removes the inherited field

        return MethodApi(
            register=GooglepayRegisterRequest,
            execute=GooglepayExecuteRequest,
            response=wallet_response(
                "PaymentGooglepayResponse", ("card_id", "holder_name", "bulk_payment_id", "subscription_id")
            ),
            execute_response=wallet_response(
                "PaymentGooglepayExecuteResponse",
                ("card_id", "holder_name", "bulk_payment_id", "subscription_id"),
            ),
            execute_links=card.execute_links,
            actions=card.actions,
        )

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict) -> dict:
        self.live_keys_check(mode)
        return CardMethod.register_fields(self, merchant=merchant, mode=mode, data=data)

    def decrypt(self, raw: str, merchant: Merchant, mode: str) -> WalletCard:
        return decrypt(raw, merchant, mode)

    def test_token(self, *, merchant: Merchant, card_no: str, expire: str, expired: bool = False) -> str:
        return encrypt_test_token(merchant=merchant, card_no=card_no, expire=expire, expired=expired)
