from .loading import loading_begins

loading_begins()  # the collector is told once Django is set up (portal.loading)

from .celery import app as celery_app  # noqa: E402

__all__ = ("celery_app",)
