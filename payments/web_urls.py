"""Buyer-facing pages (3-D Secure), the provider simulators and the providers' notifications.

The simulators are test equipment: routed only when ``SIMULATORS_ENABLED`` (off by default
in production), so a production system has no ``/simulators/`` at all.
"""

from django.conf import settings
from django.urls import include, path

from payments import tds_views
from payments.asyncflows import views as asyncflow_views

urlpatterns = [
    path("tds/method/<str:access_id>/", tds_views.tds_method, name="tds-method"),
    path("tds/challenge/<str:access_id>/", tds_views.tds_challenge, name="tds-challenge"),
    path("tds/redirect/<str:access_id>/", tds_views.tds_redirect, name="tds-redirect"),
    path("notifications/<str:provider>", asyncflow_views.provider_notification, name="provider-notification"),
]
if settings.SIMULATORS_ENABLED:
    urlpatterns.append(path("simulators/", include("payments.simulators.urls")))
