from django.urls import path

from status import views

urlpatterns = [
    path("status", views.status_page, name="status-page"),
    path("status.json", views.status_json, name="status-json"),
    path("status/feed.atom", views.status_feed, name="status-feed"),
]
