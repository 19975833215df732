from django.urls import path

from payments.simulators import acquirer

urlpatterns = [
    path("acquirer/v1/authorizations", acquirer.authorize, name="sim-acquirer-authorize"),
    path(
        "acquirer/v1/transactions/<str:transaction_id>/<str:operation>",
        acquirer.operate,
        name="sim-acquirer-operate",
    ),
    path("acquirer/v1/operations/<str:reference>", acquirer.query, name="sim-acquirer-query"),
]
