"""Celery tasks of the onboarding domain: thin wrappers around services."""

from celery import shared_task

from portal import services


@shared_task(name="portal.applications.screen", soft_time_limit=30, time_limit=60, acks_late=True)
def screen_application(*, application_id: int, **kwargs) -> list[str]:
    """Automatic screening of a submitted application (idempotent: safe to run twice)."""
    return [flag.code for flag in services.application_screen(application_id=application_id)]


@shared_task(name="portal.idempotency.purge_expired", soft_time_limit=120, time_limit=180)
def purge_expired_idempotency_keys(**kwargs) -> int:
    from portal.idempotency import purge_expired

    return purge_expired()
