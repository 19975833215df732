from django.urls import path

from budgets.api import views

urlpatterns = [
    path("projects", views.ProjectsView.as_view(), name="api-budgets-projects"),
    path("projects/<str:project_id>", views.ProjectView.as_view(), name="api-budgets-project"),
    path("projects/<str:project_id>/plan", views.PlanView.as_view(), name="api-budgets-plan"),
    path("projects/<str:project_id>/actuals", views.ActualsView.as_view(), name="api-budgets-actuals"),
    path("projects/<str:project_id>/forecast", views.ForecastView.as_view(), name="api-budgets-forecast"),
    path("projects/<str:project_id>/anomalies", views.AnomaliesView.as_view(), name="api-budgets-anomalies"),
    path("projects/<str:project_id>/costs", views.CostsView.as_view(), name="api-budgets-costs"),
    path(
        "projects/<str:project_id>/anomalies/<str:anomaly_id>/answer",
        views.AnomalyAnswerView.as_view(),
        name="api-budgets-anomaly-answer",
    ),
    path(
        "projects/<str:project_id>/requests", views.BudgetRequestsView.as_view(), name="api-budgets-requests"
    ),
    path(
        "requests/<str:request_id>/decision",
        views.BudgetRequestDecisionView.as_view(),
        name="api-budgets-request-decision",
    ),
]
