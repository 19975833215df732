"""Card tokens (``POST /v1/tokens/cards``): a card sealed in the vault, used once, then gone.

Also the purge of card data no provider needs any more (expired tokens, abandoned 3-D Secure).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from payments import errors, vault
from payments.models import CardSecret, CardToken, Payment
from portal.errors import FieldError, PortalError
from portal.ids import random_token
from portal.models import Merchant


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class IssuedToken:
    token: CardToken
    raw: str


@transaction.atomic
def token_create(
    *, merchant: Merchant, mode: str, card_no: str, expire: str, holder_name: str, security_code: str
) -> IssuedToken:
    """Tokenise a card after Luhn and expiry checks. The security code is checked, never kept."""
    for field, problem in (
        ("card_no", vault.card_number_problem(card_no)),
        ("expire", vault.expire_problem(expire)),
        ("security_code", vault.security_code_problem(security_code)),
    ):
        if problem:
            raise FieldError("11", field, "invalid", problem)
    ttl = timedelta(seconds=settings.CARD_TOKEN_TTL_SECONDS)
    secret = vault.seal(
        vault.ClearCard(card_no, expire, holder_name), purpose=CardSecret.Purpose.TOKEN, ttl=ttl
    )
    assert secret.expires_at is not None  # sealed with a ttl
    raw = "tk_" + random_token(40)
    token = CardToken.objects.create(
        merchant=merchant,
        mode=mode,
        token_hash=_token_hash(raw),
        secret=secret,
        card_no=vault.mask(card_no),
        brand=vault.brand_of(card_no),
        expire=expire,
        holder_name=holder_name,
        card_no_hash=vault.card_hash(card_no),
        expires_at=secret.expires_at,
    )
    return IssuedToken(token=token, raw=raw)


def token_consume(*, merchant: Merchant, mode: str, raw: str) -> tuple[CardToken, vault.ClearCard]:
    """Use a token once (conditional update); returns its card. Call inside a transaction.

    Any failure — unknown, another merchant's or mode's, used, expired — is the same error.
    """
    now = timezone.now()
    found = _token_consume_statement(token_hash=_token_hash(raw or ""), merchant=merchant, mode=mode, now=now)
    if found is None:
        raise PortalError(errors.TOKEN_INVALID, field="token")
    token, secret = found
    return token, vault.unseal(secret)


_TOKEN_FIELDS = ("id", "card_no", "brand", "expire", "holder_name", "card_no_hash", "merchant_id", "mode")
_SECRET_FIELDS = ("id", "purpose", "key_id", "nonce", "ciphertext", "expires_at")


def _token_consume_statement(
    *, token_hash: str, merchant: Merchant, mode: str, now: datetime
) -> tuple[CardToken, CardSecret] | None:
    """Mark the token used, detach and DELETE its encrypted card, and return both: ONE statement.

    The row lock of the UPDATE serialises two uses of one token; the second re-checks
    ``used_at`` after the first commits and finds nothing.
    """
    qn = connection.ops.quote_name
    tokens, secrets = qn(CardToken._meta.db_table), qn(CardSecret._meta.db_table)
    token_columns = ", ".join(f"c.{qn(name)}" for name in _TOKEN_FIELDS)
    secret_columns = ", ".join(f"s.{qn(name)}" for name in _SECRET_FIELDS)
    # Quoted model table and column names; every value is a parameter.
    sql = (
        f"WITH t AS (SELECT id, secret_id FROM {tokens} WHERE token_hash = %s AND merchant_id = %s"  # noqa: S608
        " AND mode = %s AND used_at IS NULL AND expires_at > %s AND secret_id IS NOT NULL FOR UPDATE), "
        f"u AS (UPDATE {tokens} c SET used_at = %s, secret_id = NULL FROM t WHERE c.id = t.id"
        f" RETURNING {token_columns}, t.secret_id AS old_secret), "
        f"d AS (DELETE FROM {secrets} s USING u WHERE s.id = u.old_secret RETURNING {secret_columns}) "
        "SELECT u.*, d.* FROM u JOIN d ON d.id = u.old_secret"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash, merchant.pk, mode, now, now])
        row = cursor.fetchone()
    if row is None:
        return None
    size = len(_TOKEN_FIELDS)
    token = CardToken.from_db(connection.alias, _TOKEN_FIELDS, row[:size])
    token.used_at = now
    secret = CardSecret.from_db(connection.alias, _SECRET_FIELDS, row[size + 1 :])
    return token, secret


def card_secret_purge() -> int:
    """Delete card data no provider needs any more: expired tokens, abandoned 3-D Secure."""
    now = timezone.now()
    expired_tokens = CardToken.objects.filter(secret__isnull=False, expires_at__lte=now)
    secret_ids = list(expired_tokens.values_list("secret_id", flat=True))
    expired_tokens.update(secret=None)
    abandoned = Payment.objects.filter(card_secret__isnull=False, card_secret__expires_at__lte=now)
    secret_ids += list(abandoned.values_list("card_secret_id", flat=True))
    abandoned.update(card_secret=None)
    deleted, _ = CardSecret.objects.filter(pk__in=secret_ids).delete()
    return deleted
