from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularSwaggerSplitView

from payments import views as payment_views
from payments.admission import views as admission_views
from payments.bulk import merchant_pages as bulk_pages
from payments.chargebacks import pages as chargeback_pages
from payments.examinations import pages as examination_pages
from payments.hosted import merchant_pages as hosted_merchant_pages
from payments.invoices import merchant_pages as invoice_merchant_pages
from payments.platforms import views as platform_views
from payments.settlements import pages as settlement_pages
from payments.subscriptions import pages as subscription_pages
from payments.webhooks import views as webhook_views
from portal import docs, errorviews, health, views
from portal.api import onboarding
from portal.api.ping import PingView
from portal.api.schema import SchemaView
from portal.forms import LoginForm


def _merchant_simulate_chargeback(request, *args, **kwargs):
    """Imported on first use, so a system without simulators loads none of their code."""
    from simulators.chargebacks import merchant_simulate_view

    return merchant_simulate_view(request, *args, **kwargs)


handler400 = "portal.errorviews.bad_request"
handler403 = "portal.errorviews.permission_denied"
handler404 = "portal.errorviews.not_found"
handler500 = "portal.errorviews.server_error"

merchant_pages = [
    path("", views.dashboard, name="merchant-dashboard"),
    path("application/", views.application_page, name="merchant-application"),
    path("application/documents/", views.document_upload, name="merchant-document-upload"),
    path(
        "application/documents/<str:document_id>/delete/",
        views.document_delete,
        name="merchant-document-delete",
    ),
    path("keys/", views.api_keys, name="merchant-keys"),
    path("keys/<str:key_id>/roll/", views.api_key_roll, name="merchant-key-roll"),
    path("keys/<str:key_id>/revoke/", views.api_key_revoke, name="merchant-key-revoke"),
    path("team/", views.team, name="merchant-team"),
    path("team/<str:member_id>/role/", views.member_role, name="merchant-member-role"),
    path("team/<str:member_id>/remove/", views.member_remove, name="merchant-member-remove"),
    path(
        "invitations/<str:invitation_id>/revoke/", views.invitation_revoke, name="merchant-invitation-revoke"
    ),
    path("activity/", views.activity, name="merchant-activity"),
    path("payments/", payment_views.payment_list, name="merchant-payments"),
    path("payments/export.csv", payment_views.payment_export, name="merchant-payments-export"),
    path("payments/<str:mode>/<str:order_id>/", payment_views.payment_detail, name="merchant-payment"),
    path("checkout/", payment_views.checkout, name="merchant-checkout"),
    path("customers/", payment_views.customer_list, name="merchant-customers"),
    path("customers/<str:mode>/<str:customer_id>/", payment_views.customer_detail, name="merchant-customer"),
    path("bulk/", bulk_pages.bulk_list, name="merchant-bulks"),
    path("bulk/<str:mode>/<str:bulk_id>/", bulk_pages.bulk_detail, name="merchant-bulk"),
    path("invoices/", invoice_merchant_pages.invoice_list, name="merchant-invoices"),
    path(
        "invoices/<str:mode>/<str:invoice_id>/",
        invoice_merchant_pages.invoice_detail,
        name="merchant-invoice",
    ),
    path("subscriptions/", subscription_pages.subscription_list, name="merchant-subscriptions"),
    path("tenants/examinations/", examination_pages.tenant_examinations, name="merchant-tenant-examinations"),
    path("chargebacks/", chargeback_pages.chargeback_list, name="merchant-chargebacks"),
    # Test mode's "Simulate chargeback" button: test equipment, routed with the simulators only.
    *(
        [path("chargebacks/simulate", _merchant_simulate_chargeback, name="merchant-chargeback-simulate")]
        if settings.SIMULATORS_ENABLED
        else []
    ),
    path(
        "chargebacks/<str:mode>/<str:chargeback_id>/",
        chargeback_pages.chargeback_detail,
        name="merchant-chargeback",
    ),
    path(
        "chargebacks/<str:mode>/<str:chargeback_id>/evidence",
        chargeback_pages.chargeback_evidence,
        name="merchant-chargeback-evidence",
    ),
    path(
        "chargebacks/<str:mode>/<str:chargeback_id>/submit",
        chargeback_pages.chargeback_submit,
        name="merchant-chargeback-submit",
    ),
    path("deposits/", settlement_pages.deposit_list, name="merchant-deposits"),
    path("deposits/<str:mode>/<str:statement_id>/", settlement_pages.deposit_detail, name="merchant-deposit"),
    path(
        "deposits/<str:mode>/<str:statement_id>/<str:kind>/",
        settlement_pages.deposit_download,
        name="merchant-deposit-download",
    ),
    path("hosted/", hosted_merchant_pages.session_list, name="merchant-hosted-pages"),
    path(
        "subscriptions/<str:mode>/<str:subscription_id>/",
        subscription_pages.subscription_detail,
        name="merchant-subscription",
    ),
    path(
        "payments/<str:mode>/<str:order_id>/simulate/",
        payment_views.payment_simulate,
        name="merchant-payment-simulate",
    ),
    path("webhooks/", webhook_views.webhooks, name="merchant-webhooks"),
    path("webhooks/rotate/", webhook_views.webhook_secret_rotate, name="merchant-webhook-rotate"),
    path("webhooks/<str:setting_id>/delete/", webhook_views.webhook_delete, name="merchant-webhook-delete"),
    path(
        "webhooks/deliveries/<str:delivery_id>/",
        webhook_views.delivery_detail,
        name="merchant-webhook-delivery",
    ),
    path(
        "webhooks/deliveries/<str:delivery_id>/resend/",
        webhook_views.delivery_resend,
        name="merchant-webhook-resend",
    ),
]

api_v1 = [
    path(
        "openapi.json",
        SchemaView.as_view(),
        name="openapi",
    ),
    path("ping", PingView.as_view(), name="api-ping"),
    path("onboarding/application", onboarding.ApplicationView.as_view(), name="api-onboarding-application"),
    path(
        "onboarding/application/documents",
        onboarding.ApplicationDocumentsView.as_view(),
        name="api-onboarding-documents",
    ),
    path(
        "onboarding/application/submit",
        onboarding.ApplicationSubmitView.as_view(),
        name="api-onboarding-submit",
    ),
    path(
        "onboarding/business_categories",
        onboarding.BusinessCategoriesView.as_view(),
        name="api-business-categories",
    ),
    path("", include("payments.urls")),
    path("credit/", include("credit.api.urls")),
]

urlpatterns = [
    path("", views.landing, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("signup/", views.signup, name="signup"),
    path("welcome/", views.welcome, name="welcome"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            form_class=LoginForm, template_name="portal/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the language switch
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(email_template_name="registration/password_reset_email.txt"),
        name="password_reset",
    ),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("verify-email/<str:token>/", views.verify_email, name="verify-email"),
    path("verify-email-resend/", views.resend_verification, name="verify-email-resend"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("m/", views.merchant_home, name="merchant-home"),
    path("tenant-sign-in/<str:token>/", platform_views.tenant_sign_in, name="tenant-sign-in"),
    path("m/<str:merchant_id>/", include(merchant_pages)),
    path("documents/<str:document_id>/", views.document_download, name="document-download"),
    path("admin/admission/", admission_views.admission_page, name="admin-admission"),
    path("admin/admission/data/", admission_views.admission_data, name="admin-admission-data"),
    path("admin/", admin.site.urls),
    path("metrics", admission_views.metrics_view, name="metrics"),
    path("healthz", csrf_exempt(health.healthz), name="healthz"),
    path("readyz", csrf_exempt(health.readyz), name="readyz"),
    path("", include("status.urls")),  # the public status page (issue 22)
    # Developer docs: the guide (docs/*.md) opens on the quick start; the API reference and
    # the error codes are generated from the code.
    path("docs/", docs.guide_page, name="docs"),
    path(
        "docs/api/",
        SpectacularSwaggerSplitView.as_view(
            url_name="openapi", authentication_classes=[], permission_classes=[]
        ),
        name="api-docs",
    ),
    path("docs/errors/", docs.error_codes, name="api-docs-errors"),
    path("docs/<slug:slug>/", docs.guide_page, name="docs-page"),
    path("v1/", include(api_v1)),
    path("", include("payments.web_urls")),
    # The providers' simulators: test equipment, routed only when SIMULATORS_ENABLED (off by
    # default in production), so a production system has no /simulators/ at all.
    *([path("simulators/", include("simulators.urls"))] if settings.SIMULATORS_ENABLED else []),
    # budgets: web pages and API (issue 7)
    path("budgets/", include("budgets.urls")),
    path("v1/budgets/", include("budgets.api.urls")),
    # Unknown API routes answer in the API's error format, whatever DEBUG says.
    re_path(r"^v1(?:/.*)?$", csrf_exempt(errorviews.api_not_found)),
]
