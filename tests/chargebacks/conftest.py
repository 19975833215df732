"""Chargeback tests take payments as the payments tests do: simulators in-process over HTTP."""

from tests.payments.conftest import acquirer_in_process, public_api, receiver  # noqa: F401
