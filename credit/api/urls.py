from django.urls import path

from credit.api import views

urlpatterns = [
    path("checks", views.ChecksView.as_view(), name="api-credit-checks"),
    path("checks/<str:check_id>", views.CheckView.as_view(), name="api-credit-check"),
]
