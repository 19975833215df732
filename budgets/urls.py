from django.urls import path

from budgets import views

urlpatterns = [
    path("", views.portfolio, name="budgets-portfolio"),
    path("p/<str:project_id>/", views.project_page, name="budgets-project"),
    path(
        "p/<str:project_id>/anomalies/<str:anomaly_id>/answer/", views.anomaly_answer, name="budgets-answer"
    ),
    path("p/<str:project_id>/extra-budget/", views.extra_budget, name="budgets-extra-budget"),
    path("requests/<str:request_id>/decide/", views.request_decide, name="budgets-request-decide"),
    path("imports/", views.imports, name="budgets-imports"),
    path("imports/<str:import_id>/", views.import_detail, name="budgets-import"),
]
