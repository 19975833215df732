"""Django-level error handlers: JSON in fincode's format under /v1/, HTML elsewhere."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from portal import errors
from portal.api.errors import json_error


def _is_api(request) -> bool:
    return request.path.startswith("/v1/") or request.path == "/v1"


def bad_request(request, exception=None):
    if _is_api(request):
        return json_error(errors.BAD_REQUEST)
    return render(request, "portal/error.html", {"status": 400, "title": _("Bad request")}, status=400)


def permission_denied(request, exception=None):
    if _is_api(request):
        return json_error(errors.PERMISSION_DENIED)
    return render(request, "portal/error.html", {"status": 403, "title": _("Forbidden")}, status=403)


def not_found(request, exception=None):
    if _is_api(request):
        return json_error(errors.NOT_FOUND, f"No API resource at {request.method} {request.path[:200]}.")
    return render(request, "portal/error.html", {"status": 404, "title": _("Page not found")}, status=404)


def api_not_found(request, *args, **kwargs):
    return json_error(errors.NOT_FOUND, f"No API resource at {request.method} {request.path[:200]}.")


def server_error(request):
    if _is_api(request):
        return json_error(errors.INTERNAL_ERROR)
    return render(
        request, "portal/error.html", {"status": 500, "title": _("Something went wrong")}, status=500
    )


def csrf_failure(request, reason=""):
    if _is_api(request):
        return json_error(errors.PERMISSION_DENIED, "CSRF verification failed.")
    return render(
        request,
        "portal/error.html",
        {"status": 403, "title": _("Your session expired"), "text": _("Reload the page and try again.")},
        status=403,
    )
