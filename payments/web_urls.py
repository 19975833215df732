"""Buyer-facing pages (3-D Secure) and the providers' notifications."""

from django.urls import path

from payments import tds_views
from payments.api.payment_method_views import directdebit_redirect
from payments.asyncflows import views as asyncflow_views
from payments.hosted import pages as hosted_pages

urlpatterns = [
    path("tds/method/<str:access_id>/", tds_views.tds_method, name="tds-method"),
    path("tds/challenge/<str:access_id>/", tds_views.tds_challenge, name="tds-challenge"),
    path("tds/redirect/<str:access_id>/", tds_views.tds_redirect, name="tds-redirect"),
    path("directdebit/accounts/<str:token>/", directdebit_redirect, name="directdebit-redirect"),
    path("notifications/<str:provider>", asyncflow_views.provider_notification, name="provider-notification"),
    path("hosted/pay/<str:session_id>/", hosted_pages.payment_page, name="hosted-payment-page"),
    path("hosted/pay/<str:session_id>/token", hosted_pages.payment_token, name="hosted-payment-token"),
    path("hosted/pay/<str:session_id>/return", hosted_pages.payment_return, name="hosted-payment-return"),
    path("hosted/pay/<str:session_id>/cancel", hosted_pages.payment_cancel, name="hosted-payment-cancel"),
    path("hosted/cards/<str:session_id>/", hosted_pages.card_page, name="hosted-card-page"),
    path("hosted/cards/<str:session_id>/token", hosted_pages.card_token, name="hosted-card-token"),
    path("hosted/cards/<str:session_id>/cancel", hosted_pages.card_cancel, name="hosted-card-cancel"),
]
