"""Buyer-facing pages (3-D Secure) and the providers' notifications."""

from django.urls import include, path

from payments import tds_views
from payments.api.payment_method_views import directdebit_redirect
from payments.asyncflows import views as asyncflow_views
from payments.chargebacks.notifications import acquirer_chargeback_notification
from payments.invoices import pages as invoice_pages

urlpatterns = [
    path("tds/method/<str:access_id>/", tds_views.tds_method, name="tds-method"),
    path("tds/challenge/<str:access_id>/", tds_views.tds_challenge, name="tds-challenge"),
    path("tds/redirect/<str:access_id>/", tds_views.tds_redirect, name="tds-redirect"),
    path("directdebit/accounts/<str:token>/", directdebit_redirect, name="directdebit-redirect"),
    path(
        "notifications/acquirer/chargebacks",
        acquirer_chargeback_notification,
        name="acquirer-chargeback-notification",
    ),
    path("notifications/<str:provider>", asyncflow_views.provider_notification, name="provider-notification"),
    path("hosted/", include("payments.hosted.urls")),
    path("invoices/<str:token>/", invoice_pages.invoice_page, name="invoice-page"),
    path("invoices/<str:token>/card", invoice_pages.invoice_pay_card, name="invoice-pay-card"),
]
