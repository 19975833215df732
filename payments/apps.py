from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credit import services as credit_services

        def review_decided(check_id: int) -> None:
            from payments.tasks import bnpl_review_decided

            bnpl_review_decided.delay(check_id=check_id)

        # Called after the reviewer's transaction commits; the payment moves in a Celery task.
        credit_services.on_review_decided(review_decided)
