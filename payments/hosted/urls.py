"""The buyer's pages under /hosted/ (``link_url`` of a session), included by payments/web_urls.py."""

from django.urls import path

from payments.hosted import pages

urlpatterns = [
    path("pay/<str:session_id>/", pages.payment_page, name="hosted-payment-page"),
    path("pay/<str:session_id>/token", pages.page_token, {"kind": "pay"}, name="hosted-payment-token"),
    path("pay/<str:session_id>/return", pages.payment_return, name="hosted-payment-return"),
    path("pay/<str:session_id>/cancel", pages.page_cancel, {"kind": "pay"}, name="hosted-payment-cancel"),
    path("cards/<str:session_id>/", pages.card_page, name="hosted-card-page"),
    path("cards/<str:session_id>/token", pages.page_token, {"kind": "cards"}, name="hosted-card-token"),
    path("cards/<str:session_id>/cancel", pages.page_cancel, {"kind": "cards"}, name="hosted-card-cancel"),
]
