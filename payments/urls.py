"""Routes of the payments API under /v1/ (fincode's paths)."""

from django.urls import path

from payments.api import async_views, payment_method_views, views
from payments.bulk import views as bulk_views
from payments.chargebacks import views as chargeback_views
from payments.examinations import views as examination_views
from payments.hosted import views as hosted_views
from payments.invoices import views as invoice_views
from payments.platforms import views as platform_views
from payments.settlements import views as settlement_views
from payments.subscriptions import views as subscription_views
from payments.webhooks import api as webhook_api

urlpatterns = [
    path("payments", views.PaymentsView.as_view(), name="api-payments"),
    # before payments/<order_id>, which would take "bulk" for an order id
    path("payments/bulk", bulk_views.PaymentBulksView.as_view(), name="api-payment-bulks"),
    path("payments/bulk/<str:id>", bulk_views.PaymentBulkDetailView.as_view(), name="api-payment-bulk"),
    path("payments/<str:order_id>", views.PaymentDetailView.as_view(), name="api-payment"),
    path("payments/<str:order_id>/capture", views.PaymentCaptureView.as_view(), name="api-payment-capture"),
    path("payments/<str:order_id>/cancel", views.PaymentCancelView.as_view(), name="api-payment-cancel"),
    path("payments/<str:order_id>/auth", views.PaymentReauthorizeView.as_view(), name="api-payment-auth"),
    path("payments/<str:order_id>/change", views.PaymentChangeView.as_view(), name="api-payment-change"),
    path("payments/<str:order_id>/secure", views.PaymentSecureView.as_view(), name="api-payment-secure"),
    path(
        "payments/<str:order_id>/barcode",
        async_views.PaymentBarcodeView.as_view(),
        name="api-payment-barcode",
    ),
    path("secure2/<str:access_id>", views.Secure2View.as_view(), name="api-secure2"),
    path("webhook_settings", webhook_api.WebhookSettingsView.as_view(), name="api-webhook-settings"),
    path(
        "webhook_settings/<str:setting_id>",
        webhook_api.WebhookSettingDetailView.as_view(),
        name="api-webhook-setting",
    ),
    path("tokens/cards", views.TokensView.as_view(), name="api-tokens-cards"),
    path("customers", views.CustomersView.as_view(), name="api-customers"),
    path("customers/<str:customer_id>", views.CustomerDetailView.as_view(), name="api-customer"),
    path("customers/<str:customer_id>/cards", views.CardsView.as_view(), name="api-customer-cards"),
    path(
        "customers/<str:customer_id>/cards/<str:card_id>",
        views.CardDetailView.as_view(),
        name="api-customer-card",
    ),
    path(
        "customers/<str:customer_id>/payment_methods",
        payment_method_views.PaymentMethodsView.as_view(),
        name="api-customer-payment-methods",
    ),
    path(
        "customers/<str:customer_id>/payment_methods/<str:payment_method_id>",
        payment_method_views.PaymentMethodDetailView.as_view(),
        name="api-customer-payment-method",
    ),
    path("plans", subscription_views.PlansView.as_view(), name="api-plans"),
    path("plans/<str:plan_id>", subscription_views.PlanDetailView.as_view(), name="api-plan"),
    path("subscriptions", subscription_views.SubscriptionsView.as_view(), name="api-subscriptions"),
    path(
        "subscriptions/<str:subscription_id>",
        subscription_views.SubscriptionDetailView.as_view(),
        name="api-subscription",
    ),
    path(
        "subscriptions/<str:subscription_id>/result",
        subscription_views.SubscriptionResultsView.as_view(),
        name="api-subscription-results",
    ),
    path("sessions", hosted_views.PaymentSessionsView.as_view(), name="api-sessions"),
    path("card_sessions", hosted_views.CardSessionsView.as_view(), name="api-card-sessions"),
    path("platforms", platform_views.PlatformsView.as_view(), name="api-platforms"),
    path("platforms/<str:id>", platform_views.PlatformDetailView.as_view(), name="api-platform"),
    path("tenants", platform_views.TenantsView.as_view(), name="api-tenants"),
    path("tenants/<str:id>", platform_views.TenantDetailView.as_view(), name="api-tenant"),
    path("tenant_entries", platform_views.TenantEntriesView.as_view(), name="api-tenant-entries"),
    path("join_tenants", platform_views.JoinTenantsView.as_view(), name="api-join-tenants"),
    path("shop_charge_backs", chargeback_views.ChargebacksView.as_view(), name="api-chargebacks"),
    path(
        "shop_charge_backs/<str:id>", chargeback_views.ChargebackDetailView.as_view(), name="api-chargeback"
    ),
    path(
        "shop_charge_backs/<str:id>/evidence",
        chargeback_views.ChargebackEvidenceView.as_view(),
        name="api-chargeback-evidence",
    ),
    path("accounts", settlement_views.AccountsView.as_view(), name="api-accounts"),
    path("accounts/<str:id>", settlement_views.AccountDetailView.as_view(), name="api-account"),
    path("accounts/<str:id>/detail", settlement_views.AccountLinesView.as_view(), name="api-account-detail"),
    path("platform_accounts", settlement_views.PlatformAccountsView.as_view(), name="api-platform-accounts"),
    path(
        "platform_accounts/<str:id>",
        settlement_views.PlatformAccountDetailView.as_view(),
        name="api-platform-account",
    ),
    path(
        "platform_accounts/<str:id>/summary",
        settlement_views.PlatformAccountSummaryView.as_view(),
        name="api-platform-account-summary",
    ),
    path(
        "contracts/examinations_v2/tenants/<str:id>",
        examination_views.ExaminationInfoV2View.as_view(),
        name="api-examination-v2",
    ),
    path(
        "contracts/examinations", examination_views.ExaminationRequestView.as_view(), name="api-examinations"
    ),
    path(
        "contracts/examinations/tenants/<str:id>",
        examination_views.ExaminationInfoView.as_view(),
        name="api-examination",
    ),
    path(
        "contracts/examinations/tenants/<str:id>/files",
        examination_views.ExaminationFilesView.as_view(),
        name="api-examination-files",
    ),
    path(
        "contracts/examinations/tenants/<str:id>/providers/reserve",
        examination_views.ProviderReserveView.as_view(),
        name="api-examination-reserve",
    ),
    path("contracts/<str:id>", examination_views.ContractView.as_view(), name="api-contract"),
    path("invoices", invoice_views.InvoicesView.as_view(), name="api-invoices"),
    path("invoices/<str:id>", invoice_views.InvoiceDetailView.as_view(), name="api-invoice"),
    path("invoices/<str:id>/open", invoice_views.InvoiceOpenView.as_view(), name="api-invoice-open"),
    path("invoices/<str:id>/cancel", invoice_views.InvoiceCancelView.as_view(), name="api-invoice-cancel"),
    path(
        "invoices/<str:id>/paid_externally",
        invoice_views.InvoicePaidExternallyView.as_view(),
        name="api-invoice-paid-externally",
    ),
    path(
        "invoices/<str:id>/virtual_account/refresh",
        invoice_views.InvoiceTransferRefreshView.as_view(),
        name="api-invoice-virtual-account-refresh",
    ),
]
