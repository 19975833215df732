"""Reference data the product needs from the first start: business categories.

Seeded by a migration and again after every ``migrate``/``flush`` (post_migrate), never
overwriting what operators changed (e.g. which categories are prohibited).
"""

from __future__ import annotations

CATEGORIES = [
    ("retail-goods", "Retail: physical goods", False, ""),
    ("food-beverage", "Food and beverage", False, ""),
    ("apparel", "Apparel and accessories", False, ""),
    ("digital-content", "Digital content and software", False, ""),
    ("saas", "SaaS and subscriptions", False, ""),
    ("travel", "Travel and accommodation", False, ""),
    ("education", "Education and lessons", False, ""),
    ("events-tickets", "Events and tickets", False, ""),
    ("professional-services", "Professional services", False, ""),
    ("health-beauty", "Health and beauty", False, ""),
    ("donations", "Donations (registered non-profits)", False, ""),
    ("gambling", "Gambling and lotteries", True, "Not permitted under our acquirer agreements."),
    ("adult", "Adult content and services", True, "Not permitted under card scheme rules."),
    ("weapons", "Weapons and ammunition", True, "Not permitted."),
    ("mlm", "Multi-level marketing", True, "Specified Commercial Transactions Act risk."),
    ("crypto-exchange", "Crypto-asset exchange", True, "Requires FSA registration; not supported."),
    (
        "money-transfer",
        "Money transfer and stored value",
        True,
        "Funds Settlement Act licence required; not supported.",
    ),
    ("counterfeit", "Replicas and counterfeit goods", True, "Not permitted."),
]


def ensure_business_categories(model=None, **kwargs) -> None:
    if model is None or not hasattr(model, "objects"):
        from portal.models import BusinessCategory as model
    if model.objects.count() >= len(CATEGORIES):
        return
    for code, name, prohibited, reason in CATEGORIES:
        model.objects.get_or_create(
            code=code, defaults={"name": name, "prohibited": prohibited, "prohibited_reason": reason}
        )
