"""What providers tell of a payment, as ``Payment`` columns, in one place: one function per
result type (``payments.providers.base.OperationResult`` of the card acquirer, the details of
``payments.providers.async_base``), and the one check that a provider's value fits its column."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import Field

from payments.models import Payment
from payments.providers.async_base import (
    BankTransfer,
    DebitResult,
    KonbiniSlip,
    MandateResult,
    ProviderDetails,
    VirtualAccount,
    WalletCode,
)
from payments.providers.base import OperationResult

logger = logging.getLogger(__name__)


def operation_result_columns(result: OperationResult, *, authorising: bool) -> dict[str, Any]:
    """An acquirer's answer: its transaction, and — for an authorisation — approval and end."""
    columns: dict[str, Any] = {"transaction_id": result.transaction_id} if result.transaction_id else {}
    if authorising:
        columns.update(
            approve=result.approve or None,
            forward=result.forward or None,
            issuer=result.issuer or None,
            auth_max_date=result.authorized_until if result.outcome == "authorized" else None,
        )
    return columns


def wallet_code_columns(code: WalletCode) -> dict[str, Any]:
    return {
        "code_id": code.code_id,
        "wallet_url": code.code_url,
        "wallet_payment_id": code.payment_id,
        "merchant_payment_id": code.merchant_payment_id,
        "store_id": code.store_id,
        "code_expiry_date": code.expires_at,
        "paypay_result_code": code.result_code,
    }


def konbini_slip_columns(slip: KonbiniSlip) -> dict[str, Any]:
    return {
        "order_serial": slip.slip_id,
        "invoice_id": slip.invoice_id,
        "konbini_result": slip.result,
        "payment_date": slip.paid_at,
        "konbini_code": slip.konbini_code,
        "konbini_store_code": slip.store_code,
    }


def virtual_account_columns(account: VirtualAccount) -> dict[str, Any]:
    return {
        "virtual_account_id": account.virtual_account_id,
        "va_bank_code": account.bank_code,
        "va_branch_code": account.branch_code,
        "va_branch_name": account.branch_name,
        "va_account_number": account.account_number,
        "va_account_name": account.account_name,
        "account_assignment_date": account.assigned_at,
    }


def bank_transfer_columns(transfer: BankTransfer) -> dict[str, Any]:
    return {
        "transaction_date": transfer.transaction_date,
        "value_date": transfer.value_date,
        "remitter_account_name": transfer.remitter_name,
        "remitter_bank_name": transfer.remitter_bank,
        "remitter_branch_name": transfer.remitter_branch,
    }


def debit_result_columns(result: DebitResult) -> dict[str, Any]:
    """A direct debit's result (``Directdebit``): the result code and, if withdrawn, the day."""
    return {"result_code": result.result_code, "withdrawal_date": result.withdrawal_date}


COLUMNS: dict[type, Callable[[Any], dict[str, Any]]] = {
    DebitResult: debit_result_columns,
    MandateResult: lambda result: {},  # of an account, not a payment (payments.methods.directdebit)
    WalletCode: wallet_code_columns,
    KonbiniSlip: konbini_slip_columns,
    VirtualAccount: virtual_account_columns,
    BankTransfer: bank_transfer_columns,
}


def payment_columns(details: ProviderDetails | None) -> dict[str, Any]:
    """The columns ``details`` fills: those it has a value for, with values that fit them.

    A value that does not fit its column (too long, wrong type) is dropped with a log line:
    these are informational (store codes, slip details), and an UPDATE failing on one of them
    would leave the money movement itself unapplied, retried and failing for ever.
    """
    if details is None:
        return {}
    known = {}
    for name, value in COLUMNS[type(details)](details).items():
        if value is None:
            continue
        try:
            # the names of COLUMNS are concrete fields of Payment
            known[name] = cast("Field", Payment._meta.get_field(name)).clean(value, None)
        except ValidationError:
            logger.warning("provider value for payment.%s does not fit the column; not kept", name)
    return known
