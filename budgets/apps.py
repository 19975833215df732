from django.apps import AppConfig

# Finance staff read every project and run imports; approvers also decide budget requests.
FINANCE_PERMISSIONS = [
    "budgets.view_project",
    "budgets.add_project",
    "budgets.change_project",
    "budgets.view_projectmember",
    "budgets.add_projectmember",
    "budgets.change_projectmember",
    "budgets.delete_projectmember",
    "budgets.view_cloudaccount",
    "budgets.add_cloudaccount",
    "budgets.change_cloudaccount",
    "budgets.view_allocationrule",
    "budgets.add_allocationrule",
    "budgets.change_allocationrule",
    "budgets.delete_allocationrule",
    "budgets.view_budgetrequest",
    "budgets.add_budgetrequest",
    "budgets.view_budgetrequestdocument",
    "budgets.add_budgetrequestdocument",
    "budgets.view_planversion",
    "budgets.view_costimport",
    "budgets.add_costimport",
    "budgets.view_anomaly",
    "budgets.change_anomaly",
    "budgets.view_budgetalert",
    "budgets.view_billingperiod",
    "budgets.view_exchangerate",
    "budgets.add_exchangerate",
    "budgets.change_exchangerate",
]
# Requesters (project leads) may ask for budget on the projects they belong to; never decide.
REQUESTER_PERMISSIONS = [
    "budgets.add_budgetrequest",
    "budgets.view_budgetrequest",
    "budgets.add_budgetrequestdocument",
]
APPROVER_PERMISSIONS = [*FINANCE_PERMISSIONS, "budgets.approve_budgetrequest", "budgets.change_budgetrequest"]


class BudgetsConfig(AppConfig):
    name = "budgets"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Budgets"

    def ready(self) -> None:
        from budgets import errors  # noqa: F401  (registers the area's error codes)
        from portal.roles import register_group_permissions

        register_group_permissions("finance", FINANCE_PERMISSIONS)
        register_group_permissions("budget_approver", APPROVER_PERMISSIONS)
        register_group_permissions("budget_requester", REQUESTER_PERMISSIONS)
