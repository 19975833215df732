from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = "BNPL credit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credit import errors  # noqa: F401  (registers the area's error codes)
        from portal.roles import register_group_permissions

        view = [
            "credit.view_ruleset", "credit.view_creditrule", "credit.view_creditcheck", "credit.view_backtest",
            "credit.view_scoremodel", "credit.view_shadowdecision",
        ]  # fmt: skip
        register_group_permissions(
            "credit_builder",
            [*view, "credit.add_ruleset", "credit.change_ruleset", "credit.add_creditrule",
             "credit.change_creditrule", "credit.delete_creditrule", "credit.run_backtest",
             "credit.add_backtest"],
        )  # fmt: skip
        register_group_permissions(
            "credit_approver", [*view, "credit.publish_ruleset", "credit.run_backtest"]
        )
        register_group_permissions(
            "credit_reviewer",
            [
                "credit.view_creditcheck",
                "credit.review_creditcheck",
                "credit.view_exposure",
                "credit.view_buyer",
            ],
        )
