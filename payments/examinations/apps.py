from django.apps import AppConfig


class ExaminationsConfig(AppConfig):
    name = "payments.examinations"
    label = "examinations"
    verbose_name = "Examinations of tenant shops"
    default_auto_field = "django.db.models.BigAutoField"
