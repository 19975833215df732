"""Merchant onboarding: users, merchants, applications, contracts, API keys, audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.ids import id_factory
from portal.pay_types import pay_type_choices


class PayType(models.TextChoices):
    """Names of the first payment methods, as fincode's ``pay_type`` (Bnpl is our extension).

    The pay types the product takes are the registry's (``portal.pay_types``), not this list."""

    CARD = "Card", _("Card")
    KONBINI = "Konbini", _("Konbini (convenience store)")
    PAYPAY = "Paypay", _("QR wallet (PayPay and others)")
    VIRTUALACCOUNT = "Virtualaccount", _("Bank transfer (virtual account)")
    BNPL = "Bnpl", _("Buy now, pay later")


class Mode(models.TextChoices):
    TEST = "test", _("Test")
    LIVE = "live", _("Live")


# --- Users ----------------------------------------------------------------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.update(is_staff=True, is_superuser=True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: a merchant user, an operator (``is_staff``), or both."""

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("us"), editable=False)
    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(default=False, help_text="Operators: may sign in to the admin.")
    is_active = models.BooleanField(default=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


# --- Merchants ------------------------------------------------------------------


class Merchant(models.Model):
    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REJECTED = "rejected", _("Rejected")

    # Allowed status changes; applied only by portal.services.audit.status_transition.
    TRANSITIONS: dict[str, set[str]] = {
        Status.ONBOARDING: {Status.ACTIVE, Status.REJECTED},
        Status.ACTIVE: {Status.SUSPENDED},
        Status.SUSPENDED: {Status.ACTIVE},
        Status.REJECTED: {Status.ONBOARDING},
    }

    class ShopType(models.TextChoices):
        """fincode's ``shop_type``: a standard shop (blank), a platform, or one of its tenants."""

        STANDARD = "", _("Standard shop")
        PLATFORM = "platform", _("Platform")
        TENANT = "tenant", _("Tenant shop")

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("mc"), editable=False)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ONBOARDING)
    status_reason = models.CharField(max_length=500, blank=True)
    shop_type = models.CharField(
        max_length=10, choices=ShopType.choices, default=ShopType.STANDARD, blank=True
    )
    platform = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tenants",
        help_text="The platform a tenant shop belongs to (tenants only).",
    )
    name_kana = models.CharField(max_length=40, blank=True)
    shop_mail_address = models.EmailField(max_length=255, blank=True)
    send_mail_address = models.EmailField(max_length=255, blank=True, help_text="Where notices are mailed.")
    api_key_display = models.BooleanField(
        default=False, help_text="Tenants: whether the tenant's own dashboard shows its API keys."
    )
    shared_customers = models.BooleanField(
        default=False, help_text="Platforms: whether tenants share the platform's customers."
    )
    tenant_url_id = models.CharField(
        max_length=25,
        null=True,
        blank=True,
        unique=True,
        help_text="Platforms: the id of the tenant registration URL (tenant_entries, join_tenants).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        permissions = [("suspend_merchant", "Can suspend and reinstate merchants")]
        constraints = [
            # A tenant has a platform and only a tenant has one.
            models.CheckConstraint(
                condition=(Q(shop_type="tenant") & Q(platform__isnull=False))
                | (~Q(shop_type="tenant") & Q(platform__isnull=True)),
                name="merchant_tenant_has_platform",
            ),
            models.CheckConstraint(
                condition=Q(tenant_url_id__isnull=True) | Q(shop_type="platform"),
                name="merchant_tenant_url_platform_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"

    @property
    def live_enabled(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def is_platform(self) -> bool:
        return self.shop_type == self.ShopType.PLATFORM

    @property
    def is_tenant(self) -> bool:
        return self.shop_type == self.ShopType.TENANT


class PlatformFee(models.Model):
    """A platform's fee on its tenants' payments of one fee class (fincode's ``PlatformRateConfig``).

    The platform's own row (``merchant`` = the platform) is the standard fee; a row on a
    tenant (``merchant`` = the tenant) is that tenant's individual fee and wins over it.
    ``fee_class`` is fincode's ``examination_master_id`` (``vm``, ``jad``, ``konbini``, …):
    each pay-type module says which class a payment falls under. The fee of a payment is
    ``max(floor(amount × rate / 100), fixed_fee)``, rate in percent.
    """

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="platform_fees")
    fee_class = models.CharField(max_length=20)
    rate = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text="Percent of the amount, e.g. 1.500."
    )
    fixed_fee = models.BigIntegerField(null=True, blank=True, help_text="Minimum fee, in minor units.")
    web_registration_fee = models.BigIntegerField(
        null=True,
        blank=True,
        help_text="Direct debit: fee per account registered on the web, in minor units.",
    )
    paypay_content_category = models.PositiveSmallIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_id", "fee_class"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "fee_class"], name="platform_fee_unique_class"),
            models.CheckConstraint(
                condition=Q(rate__isnull=True) | (Q(rate__gte=0) & Q(rate__lte=100)),
                name="platform_fee_rate_range",
            ),
            models.CheckConstraint(
                condition=Q(fixed_fee__isnull=True) | Q(fixed_fee__gte=0),
                name="platform_fee_fixed_nonnegative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.merchant.name} · {self.fee_class}"


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    DEVELOPER = "developer", _("Developer")
    VIEWER = "viewer", _("Viewer")


# What each merchant role may do in the merchant pages and onboarding API.
ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset({"view", "edit_application", "manage_keys", "manage_team", "manage_owners"}),
    Role.ADMIN: frozenset({"view", "edit_application", "manage_keys", "manage_team"}),
    Role.DEVELOPER: frozenset({"view", "manage_keys"}),
    Role.VIEWER: frozenset({"view"}),
}


class Membership(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=id_factory("mem"), editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "merchant"], name="membership_unique_user_merchant")
        ]
        ordering = ["merchant_id", "created_at"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant.name} ({self.role})"

    def can(self, capability: str) -> bool:
        return capability in ROLE_CAPABILITIES[self.role]


class Invitation(models.Model):
    public_id = models.CharField(max_length=40, unique=True, default=id_factory("inv"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.merchant.name}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()


# --- Applications -----------------------------------------------------------------


class BusinessCategory(models.Model):
    """Business categories a merchant can declare; operators mark prohibited ones."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    prohibited = models.BooleanField(default=False)
    prohibited_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "business categories"

    def __str__(self) -> str:
        return self.name


class Application(models.Model):
    """A merchant's application to accept payments; one per merchant, revised in place."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    TRANSITIONS: dict[str, set[str]] = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.IN_REVIEW},
        Status.IN_REVIEW: {Status.CHANGES_REQUESTED, Status.APPROVED, Status.REJECTED},
        Status.CHANGES_REQUESTED: {Status.SUBMITTED},
        Status.APPROVED: set(),
        Status.REJECTED: set(),
    }
    EDITABLE = {Status.DRAFT, Status.CHANGES_REQUESTED}

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("app"), editable=False)
    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="application")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)

    legal_name = models.CharField(max_length=200, blank=True)
    legal_name_kana = models.CharField(max_length=200, blank=True)
    corporate_number = models.CharField(max_length=13, blank=True, db_index=True)
    representative_name = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=7, blank=True)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    website = models.URLField(max_length=300, blank=True)
    business_category = models.ForeignKey(BusinessCategory, on_delete=models.PROTECT, null=True, blank=True)
    expected_monthly_volume = models.BigIntegerField(
        null=True, blank=True, help_text="Expected monthly volume in JPY (integer yen)."
    )

    submitted_at = models.DateTimeField(null=True, blank=True)
    screened_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at"]
        permissions = [("review_application", "Can review merchant applications")]

    def __str__(self) -> str:
        return f"{self.legal_name or self.merchant.name} [{self.get_status_display()}]"


class ApplicationMethod(models.Model):
    """A payment method requested in an application, with the reviewer's decision."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="methods")
    pay_type = models.CharField(max_length=20, choices=pay_type_choices)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True, help_text="Shown to the merchant.")
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pay_type"]
        constraints = [
            models.UniqueConstraint(fields=["application", "pay_type"], name="application_method_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pay_type}: {self.decision}"


def _document_path(instance: ApplicationDocument, filename: str) -> str:
    # Never trust the client's file name for storage.
    return f"applications/{instance.application.public_id}/{instance.public_id}.{instance.extension}"


class ApplicationDocument(models.Model):
    class Kind(models.TextChoices):
        REGISTRY = "registry", _("Certificate of registered matters")
        IDENTITY = "identity", _("Representative's identity document")
        SITE = "site", _("Website / product evidence")
        OTHER = "other", _("Other")

    CONTENT_TYPES = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("doc"), editable=False)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    file = models.FileField(upload_to=_document_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name}"

    @property
    def extension(self) -> str:
        return self.CONTENT_TYPES.get(self.content_type, "bin")


class ScreeningFlag(models.Model):
    """A finding of the automatic screening of a submitted application."""

    class Code(models.TextChoices):
        CORPORATE_NUMBER_CHECK_DIGIT = "corporate_number_check_digit", "Corporate number check digit"
        PROHIBITED_CATEGORY = "prohibited_category", "Prohibited business category"
        DUPLICATE_CORPORATE_NUMBER = "duplicate_corporate_number", "Duplicate corporate number"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=40, choices=Code.choices)
    reason = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [models.UniqueConstraint(fields=["application", "code"], name="screening_flag_unique")]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.reason}"


# --- Contracts --------------------------------------------------------------------


class Contract(models.Model):
    """The terms under which a merchant accepts one payment method.

    The traffic limits (``concurrency_window``, ``rate_per_second``,
    ``burst_factor``) are enforced by admission control in front of the API.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("ct"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="contracts")
    pay_type = models.CharField(max_length=20, choices=pay_type_choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    currency = models.CharField(max_length=3, default="JPY")

    class Cycle(models.TextChoices):
        MONTHLY = "monthly", "Monthly (closes at the month's end)"
        SEMIMONTHLY = "semimonthly", "Twice a month (closes on the 15th and at the month's end)"

    fee_rate_bps = models.PositiveIntegerField(help_text="Fee in basis points (360 = 3.60%).")
    fixed_fee = models.BigIntegerField(
        default=0, help_text="Minimum fee per payment, in minor units (the rate's fee when higher)."
    )
    settlement_cycle = models.CharField(max_length=12, choices=Cycle.choices, default=Cycle.MONTHLY)
    deposit_delay_days = models.PositiveSmallIntegerField(
        default=15, help_text="Days from a settlement term's close to its deposit."
    )
    max_amount = models.BigIntegerField(help_text="Maximum amount per transaction, in minor units.")
    concurrency_window = models.PositiveIntegerField(help_text="Concurrent payment sessions allowed.")
    rate_per_second = models.PositiveIntegerField(help_text="Normal throughput, payments per second.")
    burst_factor = models.PositiveSmallIntegerField(
        default=5, help_text="Bursts are admitted up to this multiple of the normal throughput."
    )
    window_shadow = models.BooleanField(
        default=False,
        help_text="Shadow mode: count what the concurrency window would refuse, refuse nothing.",
    )
    rate_shadow = models.BooleanField(
        default=False, help_text="Shadow mode: count what the throughput limit would refuse, refuse nothing."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_id", "pay_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "pay_type"], name="contract_unique_merchant_pay_type"
            ),
            models.CheckConstraint(condition=Q(fee_rate_bps__lte=10_000), name="contract_fee_rate_bps_range"),
            models.CheckConstraint(condition=Q(max_amount__gt=0), name="contract_max_amount_positive"),
            models.CheckConstraint(condition=Q(fixed_fee__gte=0), name="contract_fixed_fee_nonnegative"),
            models.CheckConstraint(condition=Q(burst_factor__gte=1), name="contract_burst_factor_min"),
        ]

    def __str__(self) -> str:
        return f"{self.merchant.name} · {self.pay_type}"


# --- API keys ---------------------------------------------------------------------


class ApiKey(models.Model):
    """A merchant API key. Secret keys are stored only as a SHA-256 hash.

    Format (fincode's scheme): ``p_test_…`` / ``p_live_…`` (public) and
    ``m_test_…`` / ``m_live_…`` (secret). The key decides merchant and mode.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public")
        SECRET = "secret", _("Secret")

    PREFIXES = {Kind.PUBLIC: "p", Kind.SECRET: "m"}

    public_id = models.CharField(max_length=40, unique=True, default=id_factory("key"), editable=False)
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="api_keys")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    kind = models.CharField(max_length=6, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    display_prefix = models.CharField(max_length=20, help_text="First characters, for display and support.")
    last4 = models.CharField(max_length=4)
    # Public keys are not secrets (they are embedded in web pages): kept in full.
    public_value = models.CharField(max_length=80, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Set when the key is rolled.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    replaced_by = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaces"
    )

    class Meta:
        ordering = ["merchant_id", "mode", "kind", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="secret", public_value="") | Q(kind="public"),
                name="api_key_secret_never_stored",
            )
        ]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return f"{self.display_prefix}…{self.last4}"

    def is_usable(self, now=None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# --- Audit log --------------------------------------------------------------------


class AuditEvent(models.Model):
    """Append-only record of a state change. Never updated or deleted.

    On PostgreSQL a trigger refuses UPDATE and DELETE on the table too.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    actor_label = models.CharField(
        max_length=200, help_text="Who acted: a user's e-mail, an API key, or 'system'."
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    merchant = models.ForeignKey(
        Merchant, on_delete=models.DO_NOTHING, db_constraint=False, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80, db_index=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["merchant", "-created_at"], name="audit_merchant_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")


# --- Idempotency ------------------------------------------------------------------


class IdempotencyRecord(models.Model):
    """One idempotency key of a merchant and mode, and the response it produced (see portal.idempotency)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    mode = models.CharField(max_length=4, choices=Mode.choices)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of method, path and body.")
    created_at = models.DateTimeField(auto_now_add=True)
    leased_until = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "mode", "key"], name="idempotency_unique_merchant_mode_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.mode}:{self.key}"
