"""Typed inputs and outputs of the credit services (what the API and the payments side pass in)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass(frozen=True)
class Item:
    name: str
    price: int  # JPY per unit
    quantity: int


@dataclass(frozen=True)
class Address:
    name: str
    postal_code: str
    address: str


@dataclass(frozen=True)
class CheckInput:
    """One BNPL application. Money is integer yen."""

    amount: int
    name: str
    email: str
    phone: str
    postal_code: str
    address: str
    birth_date: date
    name_kana: str = ""
    currency: str = "JPY"
    items: tuple[Item, ...] = ()
    shipping: Address | None = None
    device_fingerprint: str = ""
    ip: str = ""
    order_id: str = ""

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["birth_date"] = self.birth_date.isoformat()
        return data

    @classmethod
    def from_application(
        cls, data: dict[str, Any], *, amount: int, currency: str, order_id: str
    ) -> CheckInput:
        """An application as the APIs take it (``buyer``, ``items``, ``shipping``, ``device``),
        already validated: by ``POST /v1/credit/checks`` or by a BNPL payment's execute."""
        buyer, shipping, device = data["buyer"], data.get("shipping"), data.get("device") or {}
        return cls(
            amount=amount,
            currency=currency,
            order_id=order_id,
            name=buyer["name"],
            name_kana=buyer.get("name_kana", ""),
            email=buyer["email"],
            phone=buyer["phone"],
            postal_code=buyer["postal_code"],
            address=buyer["address"],
            birth_date=buyer["birth_date"],
            items=tuple(Item(**item) for item in data.get("items") or []),
            shipping=Address(**shipping) if shipping else None,
            device_fingerprint=device.get("fingerprint", ""),
            ip=device.get("ip", "") or "",
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> CheckInput:
        data = dict(data)
        data["birth_date"] = date.fromisoformat(data["birth_date"])
        data["items"] = tuple(Item(**item) for item in data.get("items") or ())
        data["shipping"] = Address(**data["shipping"]) if data.get("shipping") else None
        return cls(**data)


@dataclass(frozen=True)
class CheckResult:
    """The answer of a credit check (what ``credit_check_run`` returns)."""

    check_id: str
    decision: str  # approved | declined | review
    reason_codes: list[str]
    score: int
    ml_score: float | None
    rule_set_version: int
    model_version: int | None
    credit_limit: int
    credit_limit_left: int
    matched_rules: list[str] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    check: Any = None  # the CreditCheck row
