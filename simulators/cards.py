"""The documented test cards, shared by the acquirer simulator and the simulated 3-D Secure ACS.

Any expiry in the future and any 3–4 digit security code work. Any other
Luhn-valid number is approved without a 3-D Secure challenge.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestCard:
    number: str
    description: str
    authorization: str = "approve"  # approve | card_declined | insufficient_funds | timeout | error
    tds: str = "frictionless"  # frictionless | challenge | fail | not_enrolled


TEST_CARDS = {
    card.number: card
    for card in [
        TestCard("4111111111111111", "Visa: approved, 3-D Secure frictionless"),
        TestCard("5555555555554444", "Mastercard: approved, 3-D Secure frictionless"),
        TestCard("3530111333300000", "JCB: approved, 3-D Secure frictionless"),
        TestCard("378282246310005", "American Express: approved, 3-D Secure frictionless"),
        TestCard("4000000000000002", "Declined (card_declined)", authorization="card_declined"),
        TestCard("4000000000009995", "Declined: insufficient funds", authorization="insufficient_funds"),
        TestCard(
            "4000000000003220",
            "3-D Secure challenge required (test code 123456), then approved",
            tds="challenge",
        ),
        TestCard("4000000000003063", "3-D Secure authentication fails (N)", tds="fail"),
        TestCard("4000000000001091", "Not enrolled in 3-D Secure 2 (tds2_type decides)", tds="not_enrolled"),
        TestCard(
            "4000000000000119",
            "The acquirer answers too late (provider timeout); the authorisation does happen and is reconciled",
            authorization="timeout",
        ),
        TestCard(
            "4000000000000127", "The acquirer fails with HTTP 500 (nothing is charged)", authorization="error"
        ),
    ]
}

CHALLENGE_CODE = "123456"


def behaviour(number: str) -> TestCard:
    return TEST_CARDS.get(number) or TestCard(number, "Approved, 3-D Secure frictionless")
