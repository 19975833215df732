"""BNPL credit: rule sets (immutable once published), score models, buyers, checks and exposures."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.ids import id_factory
from portal.models import Merchant, Mode


class Slot(models.TextChoices):
    LIVE = "live", "Live"
    SHADOW = "shadow", "Shadow"


class Decision(models.TextChoices):
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"
    REVIEW = "review", "Review"


# --- Rule sets -------------------------------------------------------------------------


class RuleSet(models.Model):
    """A version of the credit rules. Drafts are edited; published versions never change.

    ``slot`` marks the one live version and the (optional) one shadow version.
    On PostgreSQL, triggers refuse any change to a published version's rules.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    slot = models.CharField(max_length=10, choices=Slot.choices, null=True, blank=True)
    note = models.TextField(blank=True)
    policy = models.JSONField(default=dict, blank=True, help_text="review_at, decline_at, credit_limit.")
    checksum = models.CharField(max_length=64, blank=True)
    rule_count = models.PositiveIntegerField(default=0)
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "credit rule set"
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(slot__isnull=False), name="credit_ruleset_one_per_slot"),
            models.CheckConstraint(condition=Q(slot__isnull=True) | Q(status="published"), name="credit_ruleset_slot_published"),
        ]  # fmt: skip
        permissions = [
            ("publish_ruleset", "Can publish and activate credit rule sets"),
            ("run_backtest", "Can backtest credit rule sets"),
        ]

    def __str__(self) -> str:
        slot = f", {self.slot}" if self.slot else ""
        return f"v{self.pk} ({self.status}{slot}, {self.rule_count} rules)"

    @property
    def version(self) -> int:
        return self.pk

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT


class CreditRule(models.Model):
    ACTIONS = (("decline", "Decline"), ("review", "Review"), ("score", "Score weight"))

    rule_set = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveIntegerField()
    rule_id = models.CharField("id", max_length=64)
    reason_code = models.CharField(max_length=64)
    action = models.CharField(max_length=10, choices=ACTIONS)
    weight = models.IntegerField(default=0)
    when = models.JSONField(help_text="Condition tree over registered features.")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["rule_set_id", "position", "id"]
        verbose_name = "credit rule"
        constraints = [models.UniqueConstraint(fields=["rule_set", "rule_id"], name="credit_rule_unique_id")]

    def __str__(self) -> str:
        return f"{self.rule_id} ({self.action} {self.reason_code})"


class RuleSetActivation(models.Model):
    """History of what was put in a slot, by whom: the basis of rollback."""

    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, null=True, related_name="+")
    slot = models.CharField(max_length=10, choices=Slot.choices)
    previous = models.ForeignKey(RuleSet, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.slot}: v{self.rule_set_id or '-'} (was v{self.previous_id or '-'})"


# --- Score models ------------------------------------------------------------------------


class ScoreModel(models.Model):
    """A trained scikit-learn model: its artefact file (CREDIT_MODEL_DIR) and metrics."""

    slot = models.CharField(max_length=10, choices=Slot.choices, null=True, blank=True)
    artefact = models.CharField(max_length=200, help_text="File name inside CREDIT_MODEL_DIR.")
    sha256 = models.CharField(max_length=64)
    algorithm = models.CharField(max_length=100)
    feature_names = models.JSONField(default=list)
    auc = models.FloatField(help_text="Hold-out ROC AUC.")
    samples = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    trained_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["slot"], condition=Q(slot__isnull=False), name="credit_model_one_per_slot")
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"model v{self.pk} (AUC {self.auc:.3f}{', ' + self.slot if self.slot else ''})"

    @property
    def version(self) -> int:
        return self.pk


# --- Buyers and their history ----------------------------------------------------------------


class Buyer(models.Model):
    """A BNPL buyer, identified (per mode) by a keyed digest of the normalised phone number."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("by"), editable=False)
    mode = models.CharField(max_length=4, choices=Mode.choices)
    phone_digest = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["mode", "phone_digest"], name="credit_buyer_unique_phone")
        ]

    def __str__(self) -> str:
        return self.public_id


class BureauReport(models.Model):
    """Cached external (bureau-style) data about a buyer: a JSONB document and its age."""

    buyer = models.OneToOneField(Buyer, on_delete=models.CASCADE, related_name="bureau")
    source = models.CharField(max_length=50)
    payload = models.JSONField()
    fetched_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.source} report for {self.buyer}"


class MatchedRules(models.Model):
    """The matching rules of a decision, stored compactly.

    New rows store a bitmap over the rule set's rules in rule-set order (bit *i*, little-endian
    within each byte, is rule *i*; a published version never changes, so the order is fixed):
    a few hundred bytes where the JSON list of ids was kilobytes. Older rows keep the
    JSON list. ``matched_rules`` reads either as the list of ids.
    """

    matched_rules_stored = models.JSONField(
        default=list, db_column="matched_rules", help_text="Matching rule ids (rows without a bitmap)."
    )
    matched_bits = models.BinaryField(
        null=True,
        blank=True,
        editable=False,
        help_text="Matching rules as a bitmap over the rule set's rules.",
    )

    class Meta:
        abstract = True

    @property
    def matched_rules(self) -> list[str]:
        ids = self.__dict__.get("_matched_rules")
        if ids is None:
            if self.matched_bits is None:
                ids = list(self.matched_rules_stored)
            else:
                from credit.engine import rule_ids_of_bits

                ids = rule_ids_of_bits(self.rule_set_id, bytes(self.matched_bits))
            self.__dict__["_matched_rules"] = ids
        return ids

    @matched_rules.setter
    def matched_rules(self, ids: list[str]) -> None:
        self.matched_rules_stored = list(ids)
        self.matched_bits = None
        self.__dict__["_matched_rules"] = list(ids)

    def refresh_from_db(self, *args, **kwargs) -> None:
        self.__dict__.pop("_matched_rules", None)
        super().refresh_from_db(*args, **kwargs)


class CreditCheck(MatchedRules):
    class ReviewStatus(models.TextChoices):
        NONE = "none", "Not needed"
        PENDING = "pending", "Waiting for review"
        APPROVED = "approved", "Approved by reviewer"
        DECLINED = "declined", "Declined by reviewer"

    REVIEW_TRANSITIONS: dict[str, set[str]] = {
        ReviewStatus.PENDING: {ReviewStatus.APPROVED, ReviewStatus.DECLINED},
    }

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("cc"), editable=False)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.PROTECT, related_name="+", db_index=False
    )  # see Meta
    mode = models.CharField(max_length=4, choices=Mode.choices)
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="checks")
    order_id = models.CharField(max_length=100, blank=True)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="JPY")
    application = models.JSONField(help_text="The application as received (personal data: admin only).")
    features = models.JSONField(help_text="Feature snapshot used for the decision.")
    reason_codes = models.JSONField(default=list)
    score = models.BigIntegerField(default=0, help_text="Sum of the weights of matching score rules.")
    ml_score = models.FloatField(null=True, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices)
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    score_model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    credit_limit = models.BigIntegerField()
    credit_limit_left = models.BigIntegerField()
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NONE)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    duration_us = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "mode", "-created_at"], name="credit_check_merchant_time"),
            models.Index(fields=["review_status", "created_at"], condition=Q(review_status="pending"), name="credit_check_review_queue"),
            # Most checks are never reviewed: index the reviewer only where set (one index entry
            # less per check; the merchant is indexed by credit_check_merchant_time).
            models.Index(fields=["reviewed_by"], condition=Q(reviewed_by__isnull=False), name="credit_check_reviewed_by"),
        ]  # fmt: skip
        permissions = [("review_creditcheck", "Can approve or decline credit checks in review")]

    def __str__(self) -> str:
        return f"{self.public_id} {self.decision}"

    @property
    def outcome(self) -> str:
        """The decision as it stands now (a review's result once reviewed)."""
        if self.review_status == self.ReviewStatus.APPROVED:
            return Decision.APPROVED
        if self.review_status == self.ReviewStatus.DECLINED:
            return Decision.DECLINED
        return self.decision


class ShadowDecision(MatchedRules):
    """What a shadow rule set / model would have decided; stored, never returned."""

    check_ref = models.ForeignKey(CreditCheck, on_delete=models.CASCADE, related_name="shadow_decisions")
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    score_model = models.ForeignKey(
        ScoreModel, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    reason_codes = models.JSONField(default=list)
    score = models.BigIntegerField(default=0)
    ml_score = models.FloatField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"shadow v{self.rule_set_id}: {self.decision}"


class Exposure(models.Model):
    """Credit extended to a buyer for one approved check: authorized, then invoiced, then paid.

    Feeds ``open_exposure``, ``unpaid_amount``, ``overdue_count`` of later checks.
    """

    class Status(models.TextChoices):
        AUTHORIZED = "authorized", "Authorized"
        INVOICED = "invoiced", "Invoiced (unpaid)"
        PAID = "paid", "Paid"
        RELEASED = "released", "Released"

    TRANSITIONS: dict[str, set[str]] = {
        Status.AUTHORIZED: {Status.INVOICED, Status.RELEASED},
        Status.INVOICED: {Status.PAID},
    }

    class PaymentMethod(models.TextChoices):
        KONBINI = "konbini", "Konbini"
        BANK_TRANSFER = "bank_transfer", "Bank transfer"

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("inv"), editable=False)
    check_ref = models.OneToOneField(CreditCheck, on_delete=models.PROTECT, related_name="exposure")
    buyer = models.ForeignKey(Buyer, on_delete=models.PROTECT, related_name="exposures")
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AUTHORIZED)
    amount = models.BigIntegerField(help_text="JPY (integer yen).")
    currency = models.CharField(max_length=3, default="JPY")
    authorized_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="An authorization not invoiced by then no longer counts.")
    invoiced_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-authorized_at"]
        indexes = [models.Index(fields=["buyer", "status"], name="credit_exposure_buyer_status")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_exposure_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.status} ¥{self.amount}"


# --- Lists and reference data --------------------------------------------------------------


class ListEntry(models.Model):
    """A blocklist or allowlist entry (mirrored into Redis sets); values kept only as digests."""

    class List(models.TextChoices):
        BLOCK = "block", "Blocklist"
        ALLOW = "allow", "Allowlist"

    class Kind(models.TextChoices):
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        ADDRESS = "address", "Address"
        DEVICE = "device", "Device fingerprint"
        IP = "ip", "IP address"

    mode = models.CharField(max_length=4, choices=Mode.choices)
    list = models.CharField(max_length=5, choices=List.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    masked = models.CharField(max_length=100, help_text="Masked value, for recognising the entry.")
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["mode", "list", "kind", "digest"], name="credit_list_entry_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.list}:{self.kind} {self.masked}"


class KnownFraud(models.Model):
    """A name or address known from confirmed fraud; indexed for similarity search."""

    class Kind(models.TextChoices):
        NAME = "name", "Name"
        ADDRESS = "address", "Address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.CharField(max_length=300)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "known fraud entries"

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"


class Backtest(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("bt"), editable=False)
    candidate = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="backtests")
    candidate_model = models.ForeignKey(
        ScoreModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    baseline = models.ForeignKey(RuleSet, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    baseline_model = models.ForeignKey(
        ScoreModel, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sample_size = models.PositiveIntegerField(default=10_000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    results = models.JSONField(default=dict, blank=True)
    changed = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.public_id} v{self.candidate_id} ({self.status})"
