from celery import shared_task

from security import services


@shared_task(
    name="security.deliver_alert",
    autoretry_for=(Exception,),
    retry_backoff=True,
    max_retries=3,
)
def deliver_alert(alert_id: int) -> str:
    return services.alert_deliver(alert_id=alert_id).delivery


@shared_task(name="security.check_admission_storms")
def check_admission_storms() -> int:
    return services.admission_storms_check()
