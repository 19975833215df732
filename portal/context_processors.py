from django.conf import settings


def portal(request):
    return {"PORTAL_ENV": settings.PORTAL_ENV, "PORTAL_PRODUCTION": settings.PRODUCTION}
