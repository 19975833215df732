"""Payment sessions: what the payment operations say about the session they worked on.

Admission control's middleware admits a request of a payment session (``POST /v1/payments``
starts one; the payment's own operations continue it) and hands it a ``Ticket`` as
``request.admission``. The operations then say, explicitly, what becomes of the session:

* ``session_continue(request, order_id=…)``: the buyer is still paying; the session's lease
  is kept for the next step, under the payment's name (renamed now if it was not named so:
  the buyer's next call names it);
* ``session_end(request)``: the session is over; its lease is given back once the answer has
  been sent (later only ever means more conservative);
* ``session_follow(request, payment=…)``: one of the two, by the payment's status
  (``payments.state.SESSION_OPEN``).

A request whose operation said nothing leaves its session as it found it: a session that
was under way (its lease was live) keeps its lease for the buyer's next step — a declined
card, a busy provider, a step refused as out of order change nothing — and a new session
that no payment took up (an invalid registration, an unknown payment) is given back.
"""

from __future__ import annotations

from dataclasses import dataclass

from payments.admission.controller import Lease

SESSION_PREFIX = "o:"


def session_name(order_id: str) -> str:
    """A payment's session is named after the payment."""
    return f"{SESSION_PREFIX}{order_id}"


@dataclass
class Ticket:
    """An admitted request's hold on its payment session."""

    lease: Lease
    continued: bool  # the session was under way: its lease was live when the request came
    outcome: str | None = None  # "continue" or "end", once an operation said so; "closed" after

    def continue_as(self, name: str) -> None:
        if self.outcome is None:
            self.outcome = "continue"
            self.lease.keep(name=name)

    def end(self) -> None:
        if self.outcome is None:
            self.outcome = "end"

    def close(self) -> None:
        """The request is over (its answer sent, or it failed): apply what was said, or the default."""
        outcome, self.outcome = self.outcome, "closed"
        if outcome == "end" or (outcome is None and not self.continued):
            self.lease.release()
        elif outcome is None:
            self.lease.keep()  # a session under way goes on as it was


def _ticket(request) -> Ticket | None:
    return getattr(request, "admission", None)


def session_continue(request, *, order_id: str) -> None:
    """The payment's session goes on: keep its lease for the buyer's next step."""
    if (ticket := _ticket(request)) is not None:
        ticket.continue_as(session_name(order_id))


def session_end(request) -> None:
    """The payment's session is over: its lease is given back once the answer is sent."""
    if (ticket := _ticket(request)) is not None:
        ticket.end()


def session_follow(request, *, payment) -> None:
    """After a payment operation: the session goes on while the buyer is still paying."""
    from payments.state import SESSION_OPEN

    if payment.status in SESSION_OPEN:
        session_continue(request, order_id=payment.order_id)
    else:
        session_end(request)
