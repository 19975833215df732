"""Payments that complete later: QR wallets (``Paypay``), konbini (``Konbini``), bank transfer
(``Virtualaccount``).

Same model, same ``TRANSITIONS``, same ``payment_transition`` and the same pending-operation
pattern as cards (``payments.methods.card``), with one difference: **no provider is called
inside a web request**. An operation (execute, capture, cancel, change) is marked pending
in the request, and the provider call runs in the Celery task ``payments.provider_call``
(queued on commit), behind the provider's throttle, circuit breaker and timeout. The
request then waits a little (``PAYMENTS_PROVIDER_WAIT_SECONDS``) so that, with healthy
workers, the merchant gets the finished payment (code URL, slip, account number) in the
answer; otherwise it answers with the payment still pending and the webhook follows.

Afterwards the buyer acts at the provider, which notifies us (``payments.asyncflows.notifications``);
the periodic sweeper asks providers about payments waiting too long or past their deadline.
One module per concept:

* ``operations`` — the merchant's requests: execute, capture, cancel, change, barcode;
* ``provider_calls`` — the provider call of a pending operation (in the task) and its answer;
* ``provider_state`` — what providers tell us, applied by one rule (``payment_state_apply``:
  forward along ``NOTIFIED_FORWARD`` only, so duplicates and out-of-order notifications change
  nothing twice); notifications (``apply_event``);
* ``reconcile`` — polling: the sweeper's choice of payments and their reconciliation;
* ``buyer`` — test mode: play the buyer;
* ``common`` — a payment's pay type module and provider.

Tasks, views, the admin and the pay type modules import from here.
"""

from payments.asyncflows.services.buyer import payment_simulate_buyer, simulate_buyer_run
from payments.asyncflows.services.common import method_of, payment_fields_update, provider_for
from payments.asyncflows.services.operations import (
    DESCRIPTION_FIELD,
    payment_barcode,
    payment_execute_async,
    payment_operate_async,
)
from payments.asyncflows.services.provider_calls import (
    ATTEMPT_ACTIONS,
    OPERATION_TARGET,
    complete_operation,
    note_attempt,
    payment_attempt_noted,
    provider_call_run,
    queue_provider_call,
)
from payments.asyncflows.services.provider_state import (
    LATE_MONEY_FLAG,
    NOTIFIED_FORWARD,
    STATE_TARGET,
    apply_event,
    payment_state_apply,
)
from payments.asyncflows.services.reconcile import (
    payment_reconcile_async,
    provider_status,
    waiting_payment_ids,
)

__all__ = [
    "ATTEMPT_ACTIONS",
    "DESCRIPTION_FIELD",
    "LATE_MONEY_FLAG",
    "NOTIFIED_FORWARD",
    "OPERATION_TARGET",
    "STATE_TARGET",
    "apply_event",
    "complete_operation",
    "method_of",
    "note_attempt",
    "payment_attempt_noted",
    "payment_barcode",
    "payment_execute_async",
    "payment_fields_update",
    "payment_operate_async",
    "payment_reconcile_async",
    "payment_simulate_buyer",
    "payment_state_apply",
    "provider_call_run",
    "provider_for",
    "provider_status",
    "queue_provider_call",
    "simulate_buyer_run",
    "waiting_payment_ids",
]
