"""What the pay types that hand over a card from a wallet's encrypted payment token share (Apple
Pay, Google Pay): the keys that decrypt tokens, the card source of a card execute, the answers.

A wallet token is decrypted by the gateway with its private key (Apple Pay: the merchant's
payment processing key, which the gateway holds; Google Pay: the gateway's own key). The card
inside goes to the card acquirer exactly as a card token's would: ``payments.methods.card``
authorises, captures, cancels, changes and re-authorises it. Only the masked number, brand,
expiry and keyed hash are stored; the clear card lives in memory for the acquirer call only.

Keys, per mode:

* test: the product's own test key pairs, derived from ``SECRET_KEY`` (the same in every
  process, nothing stored), which ``test_token`` encrypts to, as the wallet would;
* live: PEM files in ``WALLET_LIVE_KEYS_DIR`` (``<name>.pem``: the private key; the public keys
  that verify signatures beside it). No file, no live payment: refused with a 4xx before
  anything is written. Live never falls back to the test keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import connection
from django.utils import timezone

from payments import errors, vault
from payments.methods.card import CardMethod
from payments.models import Payment, WalletTokenUse
from portal.errors import ErrorSpec, PortalError, define
from portal.models import Merchant, Mode

WALLET_TOKEN_INVALID = define(
    "E1100000101", 400, "token: the wallet's payment token cannot be read, is not for you, or was altered."
)
WALLET_TOKEN_EXPIRED = define("E1100000102", 400, "token: the wallet's payment token has expired.")
WALLET_TOKEN_USED = define("E1100000104", 400, "token: the wallet's payment token was already used.")
WALLET_LIVE_KEYS_MISSING = define(
    "E1100000103",
    403,
    "pay_type: live payments of this wallet are not available: no decryption key is configured.",
)

# The curve order of P-256: a derived scalar must be in [1, n - 1].
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# What decrypting a token may raise besides our own errors: all mean "not a token for us".
TOKEN_ERRORS = (ValueError, KeyError, TypeError, IndexError, InvalidTag, InvalidSignature, UnicodeError)


class TokenRefused(Exception):
    """A token this gateway cannot accept; ``spec`` says why (never with card data)."""

    def __init__(self, spec: ErrorSpec = WALLET_TOKEN_INVALID):
        super().__init__(spec.message)
        self.spec = spec


@dataclass(frozen=True)
class WalletCard:
    """The card a token carries (``repr`` masks the number, as ``vault.ClearCard``)."""

    number: str
    expire: str  # YYMM
    cryptogram: str = ""
    eci: str = ""
    # The wallet's own id of this token (Apple Pay: transactionId; Google Pay: messageId).
    token_id: str = ""

    def __repr__(self) -> str:
        return f"WalletCard({vault.mask(self.number)}, {self.expire})"

    __str__ = __repr__


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise TokenRefused()
    return base64.b64decode(text, validate=True)


def test_key(name: str) -> ec.EllipticCurvePrivateKey:
    """The product's test key pair ``name`` (P-256), derived from ``SECRET_KEY``: test mode only."""
    seed = hmac.new(settings.SECRET_KEY.encode(), f"wallet-test-key:{name}".encode(), hashlib.sha256)
    scalar = int.from_bytes(seed.digest(), "big") % (_P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def live_key_file(name: str) -> Path | None:
    folder = settings.WALLET_LIVE_KEYS_DIR
    path = Path(folder) / f"{name}.pem" if folder else None
    return path if path is not None and path.is_file() else None


def live_private_key(name: str) -> ec.EllipticCurvePrivateKey:
    path = live_key_file(name)
    if path is None:
        raise PortalError(WALLET_LIVE_KEYS_MISSING, field="pay_type")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise PortalError(WALLET_LIVE_KEYS_MISSING, field="pay_type")
    return key


def live_public_key(name: str) -> ec.EllipticCurvePublicKey:
    path = live_key_file(name)
    if path is None:
        raise PortalError(WALLET_LIVE_KEYS_MISSING, field="pay_type")
    key = serialization.load_pem_public_key(path.read_bytes())
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise PortalError(WALLET_LIVE_KEYS_MISSING, field="pay_type")
    return key


def private_key(name: str, mode: str) -> ec.EllipticCurvePrivateKey:
    return test_key(name) if mode == Mode.TEST else live_private_key(name)


def public_key(name: str, mode: str) -> ec.EllipticCurvePublicKey:
    return test_key(name).public_key() if mode == Mode.TEST else live_public_key(name)


def ecdsa_ok(key: ec.EllipticCurvePublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


Decrypt = Callable[[str, Merchant, str], WalletCard]


class WalletCardMethod(CardMethod):
    """A card pay type whose card comes from a wallet token, decrypted by ``decrypt``.

    Subclasses say their names (``pay_type``, ``label``, ``event_prefix``), ``operations``,
    ``key_names`` (the keys a live mode needs) and ``decrypt(raw, merchant, mode)``.
    """

    key_names: tuple[str, ...] = ()

    def decrypt(self, raw: str, merchant: Merchant, mode: str) -> WalletCard:
        raise NotImplementedError

    def live_keys_check(self, mode: str) -> None:
        """Live mode without this wallet's keys: refused (nothing is written)."""
        if mode != Mode.TEST and any(live_key_file(name) is None for name in self.key_names):
            raise PortalError(WALLET_LIVE_KEYS_MISSING, field="pay_type")

    def register_fields(self, *, merchant: Merchant, mode: str, data: dict[str, Any]) -> dict[str, Any]:
        self.live_keys_check(mode)
        return {"tds_type": "0"}

    def card_source(
        self, *, payment: Payment, data: dict[str, Any]
    ) -> tuple[vault.ClearCard, dict[str, Any]]:
        """The card of the execute's token (``payments.methods.card.execute``'s card source)."""
        self.live_keys_check(payment.mode)
        try:
            card = self.decrypt(data.get("token") or "", payment.merchant, payment.mode)
        except TokenRefused as exc:
            raise PortalError(exc.spec, field="token") from None
        except TOKEN_ERRORS:
            raise PortalError(WALLET_TOKEN_INVALID, field="token") from None  # no cause: no card data
        if vault.card_number_problem(card.number):
            raise PortalError(WALLET_TOKEN_INVALID, field="token")
        if vault.expire_problem(card.expire):
            raise PortalError(WALLET_TOKEN_EXPIRED, field="token")
        if not card.token_id or not wallet_token_use(pay_type=self.pay_type, token_id=card.token_id):
            raise PortalError(WALLET_TOKEN_USED, field="token")
        snapshot = {
            "card_no": vault.mask(card.number),
            "brand": vault.brand_of(card.number),
            "expire": card.expire,
            "holder_name": "",
            "card_no_hash": vault.card_hash(card.number),
            "customer": None,
            "card": None,
        }
        return vault.ClearCard(card.number, card.expire, cryptogram=card.cryptogram, eci=card.eci), snapshot

    def operate(self, *, payment: Payment, operation: str, data: dict[str, Any], actor: Any) -> Payment:
        """The card's operations, those of them this wallet offers (fincode: Apple Pay has no change)."""
        if operation not in self.operations:
            raise PortalError(
                errors.INVALID_STATUS_TRANSITION, f"{operation} is not an operation of {self.label} payments."
            )
        return super().operate(payment=payment, operation=operation, data=data, actor=actor)

    def execute(self, *, payment: Payment, data: dict[str, Any], actor: Any) -> Payment:
        from payments.methods.card.execute import payment_execute

        return payment_execute(payment=payment, data=data, actor=actor, source=self.card_source)


def wallet_token_use(*, pay_type: str, token_id: str) -> bool:
    """Record that a payment uses this wallet token: False if one already has. Called in the
    execute transaction, so a refused execute (its row rolled back) leaves the token usable."""
    digest = hashlib.sha256(f"{pay_type}:{token_id}".encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_wallettokenuse (pay_type, digest, used_at) VALUES (%s, %s, %s) "
            "ON CONFLICT (pay_type, digest) DO NOTHING RETURNING id",
            [pay_type, digest, timezone.now()],
        )
        return cursor.fetchone() is not None


def wallet_token_use_purge() -> int:
    """Forget the uses older than ``WALLET_TOKEN_USE_DAYS`` (no such token is still valid)."""
    before = timezone.now() - timedelta(days=settings.WALLET_TOKEN_USE_DAYS)
    deleted, _ = WalletTokenUse.objects.filter(used_at__lt=before).delete()
    return deleted


def pay_type_field(pay_type: str) -> Any:
    """A request's ``pay_type``: this one only (a pattern, so no shared enum component to name)."""
    from drf_spectacular.utils import extend_schema_field
    from rest_framework import serializers

    @extend_schema_field({"type": "string", "pattern": f"^{pay_type}$", "example": pay_type})
    class PayTypeField(serializers.ChoiceField):
        pass

    return PayTypeField(choices=[pay_type])


def wallet_response(name: str, omit: tuple[str, ...]) -> type:
    """The answer of a wallet card pay type: the card's, without the fields fincode's ``omit``."""
    from payments.api.serializers import PaymentCardResponse

    def to_representation(self, payment: Payment) -> dict:
        data = PaymentCardResponse.to_representation(self, payment)
        for field in omit:
            data.pop(field, None)
        return data

    return type(name, (PaymentCardResponse,), {**dict.fromkeys(omit), "to_representation": to_representation})
