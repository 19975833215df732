"""Writes of the payments domain that every pay type shares, one concept per module:

* ``registration``: ``payment_register`` (the one INSERT of a payment) and the contract's amount limit;
* ``customers``: the merchant's customers;
* ``reconcile``: resolving a pending provider operation, whatever the pay type.

What belongs to one pay type lives in its module under ``payments.methods`` (cards: tokens,
saved cards, acquirer authorisation, capture / cancel / change / re-authorise, 3-D Secure in
``payments.methods.card``). Status changes go through ``payments.state``; provider calls follow
the pending-operation protocol of ``payments.pending``.
"""
