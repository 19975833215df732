"""The operators' admin: two-factor sign-in (required in production) and the review queue up front."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from portal.staff import is_verified_staff

# The index grouped by the operators' tasks, not by Python package: (section, [app_label.model]).
# A registered model missing here still shows, under "Other".
SECTIONS: list[tuple[str, list[str]]] = [
    (
        "Review and onboarding",
        [
            "portal.application",
            "examinations.examination",
            "portal.merchant",
            "portal.contract",
            "portal.invitation",
            "portal.businesscategory",
        ],
    ),
    (
        "Payments",
        [
            "payments.payment",
            "payments.customer",
            "subscriptions.subscription",
            "subscriptions.plan",
            "subscriptions.subscriptioncharge",
            "subscriptions.subscriptionbatch",
            "invoices.invoice",
            "bulk.paymentbulk",
            "bulk.paymentbulkdetail",
            "hosted.paymentsession",
            "hosted.cardregistrationsession",
            "payments.walletterms",
            "payments.providernotification",
        ],
    ),
    (
        "Settlements and chargebacks",
        [
            "settlements.statement",
            "settlements.platformstatement",
            "settlements.posting",
            "chargebacks.chargeback",
        ],
    ),
    ("Webhooks", ["payments.webhooksetting", "payments.webhookevent", "payments.webhookdelivery"]),
    (
        "Credit (BNPL)",
        [
            "credit.creditcheck",
            "credit.ruleset",
            "credit.creditrule",
            "credit.scoremodel",
            "credit.backtest",
            "credit.exposure",
            "credit.listentry",
            "credit.knownfraud",
        ],
    ),
    (
        "Budgets",
        [
            "budgets.project",
            "budgets.budgetrequest",
            "budgets.planversion",
            "budgets.costimport",
            "budgets.anomaly",
            "budgets.budgetalert",
            "budgets.billingperiod",
            "budgets.exchangerate",
            "budgets.budgetsapikey",
        ],
    ),
    (
        "Operations and security",
        [
            "security.alert",
            "security.securityevent",
            "security.alertrule",
            "status.incident",
            "status.maintenance",
            "status.componentstatus",
            "portal.auditevent",
            "portal.user",
            "auth.group",
            "portal.apikey",
            "otp_totp.totpdevice",
            "otp_static.staticdevice",
            "axes.accessattempt",
            "axes.accessfailurelog",
            "axes.accesslog",
        ],
    ),
    (
        "Test equipment (simulators)",
        ["simulators.simulatedacquirertransaction", "simulators.simulatedproviderpayment"],
    ),
]


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


class PortalAdminSite(OTPAdminSite):
    site_header = "Merchant Portal — Operations"
    site_title = "Merchant Portal operations"
    index_title = "Operations"
    index_template = "admin/portal_index.html"
    # The index is the navigation (grouped by task); a sidebar would repeat it and leave the
    # lists too narrow for their columns.
    enable_nav_sidebar = False

    @property
    def login_form(self):  # type: ignore[override]
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else AdminAuthenticationForm

    @property
    def login_template(self):  # type: ignore[override]
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request) -> bool:
        return is_verified_staff(request.user)  # active staff, OTP-verified when required

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar by task (SECTIONS); an app's own page keeps Django's list."""
        apps = super().get_app_list(request, app_label)
        if app_label is not None:
            return apps
        models = {
            f"{app['app_label']}.{model['object_name'].lower()}": model
            for app in apps
            for model in app["models"]
        }
        grouped = []
        for name, keys in SECTIONS:
            section = [models.pop(key) for key in keys if key in models]
            if section:
                grouped.append(_section(name, section))
        if models:
            grouped.append(_section("Other", list(models.values())))
        return grouped

    def index(self, request, extra_context=None):
        from portal.selectors import review_queue

        extra_context = dict(extra_context or {})
        if request.user.has_perm("portal.review_application"):
            extra_context["review_queue"] = list(review_queue()[:50])
        return super().index(request, extra_context)


def _section(name: str, models: list[dict]) -> dict:
    slug = _slug(name)
    return {
        "name": name,
        "app_label": slug,
        "app_url": f"#{slug}",
        "has_module_perms": True,
        "models": models,
    }
