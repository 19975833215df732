"""Every API error in fincode's body: ``{"errors": [{"error_code", "error_message"}]}``."""

from __future__ import annotations

import logging
from typing import Any

from django import db
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from portal import errors
from portal.errors import ErrorSpec, PortalError, cause_of, field_code, localized

logger = logging.getLogger("portal.api")


def error_body(*items: tuple[str, str], **extra: Any) -> dict[str, Any]:
    return {
        "errors": [{"error_code": code, "error_message": localized(message)} for code, message in items],
        **extra,
    }


def _flatten(detail: Any, path: str = "") -> list[tuple[str, Any]]:
    """(field path, ErrorDetail) pairs from DRF's nested validation detail."""
    if isinstance(detail, dict):
        out: list[tuple[str, Any]] = []
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            out.extend(_flatten(value, f"{path}.{name}" if path and name else (name or path)))
        return out
    if isinstance(detail, list):
        out = []
        for index, value in enumerate(detail):
            if isinstance(value, dict | list) and value:
                out.extend(_flatten(value, f"{path}[{index}]" if path else str(index)))
            elif not isinstance(value, dict | list):
                out.append((path, value))
        return out
    return [(path, detail)]


def validation_items(detail: Any, area: str) -> list[tuple[str, str]]:
    items = []
    for path, message in _flatten(detail):
        code = getattr(message, "code", None)
        if path:
            top = path.split(".")[0].split("[")[0]
            items.append((field_code(area, top, cause_of(code)), f"{path}: {message}"))
        else:
            items.append((errors.VALIDATION_FAILED.code, str(message)))
    return items or [(errors.VALIDATION_FAILED.code, errors.VALIDATION_FAILED.message)]


_DRF_MAP: list[tuple[type[Exception], ErrorSpec]] = [
    (drf.NotAuthenticated, errors.AUTH_MISSING),
    (drf.AuthenticationFailed, errors.AUTH_INVALID_KEY),
    (drf.PermissionDenied, errors.PERMISSION_DENIED),
    (drf.NotFound, errors.NOT_FOUND),
    (drf.MethodNotAllowed, errors.METHOD_NOT_ALLOWED),
    (drf.NotAcceptable, errors.NOT_ACCEPTABLE),
    (drf.UnsupportedMediaType, errors.UNSUPPORTED_MEDIA_TYPE),
    (drf.ParseError, errors.MALFORMED_JSON),
    (drf.Throttled, errors.THROTTLED),
]


def response_for(exc: Exception, area: str = "00") -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) for an exception; unknown exceptions are logged as 500."""
    if isinstance(exc, PortalError):
        body = error_body((exc.code, exc.message))
        body.update(getattr(exc, "extra_body", {}) or {})
        return exc.status, body, dict(exc.headers)
    if isinstance(exc, drf.ValidationError):
        return 400, error_body(*validation_items(exc.detail, area)), {}
    if isinstance(exc, Http404):
        return 404, error_body((errors.NOT_FOUND.code, errors.NOT_FOUND.message)), {}
    if isinstance(exc, DjangoPermissionDenied):
        return 403, error_body((errors.PERMISSION_DENIED.code, errors.PERMISSION_DENIED.message)), {}
    if isinstance(exc, RequestDataTooBig):
        return 413, error_body((errors.BODY_TOO_LARGE.code, errors.BODY_TOO_LARGE.message)), {}
    if isinstance(exc, SuspiciousOperation):
        return 400, error_body((errors.BAD_REQUEST.code, errors.BAD_REQUEST.message)), {}
    for cls, spec in _DRF_MAP:
        if isinstance(exc, cls):
            headers = {}
            if isinstance(exc, drf.Throttled) and exc.wait is not None:
                headers["Retry-After"] = str(int(exc.wait + 0.999))
            message = spec.message
            if isinstance(exc, drf.MethodNotAllowed | drf.ParseError):
                message = str(exc.detail)
            return spec.status, error_body((spec.code, message)), headers
    if isinstance(exc, drf.APIException):
        status = getattr(exc, "status_code", 400)
        return status, error_body((errors.BAD_REQUEST.code, str(exc.detail))), {}
    if isinstance(exc, db.OperationalError | db.InterfaceError):
        # The database is unreachable or refused (connection limit, failover, restart, lock or
        # statement timeout): nothing was committed, and the client may retry shortly.
        logger.error("database unavailable in API view", exc_info=exc)
        spec = errors.SERVICE_UNAVAILABLE
        return spec.status, error_body((spec.code, spec.message)), {"Retry-After": "1"}
    logger.error("unhandled exception in API view", exc_info=exc)
    return 500, error_body((errors.INTERNAL_ERROR.code, errors.INTERNAL_ERROR.message)), {}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    view = context.get("view")
    status, body, headers = response_for(exc, getattr(view, "error_area", "00"))
    set_rollback()
    response = Response(body, status=status, headers=headers)
    if status == 401 and "WWW-Authenticate" not in headers:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def json_error(spec: ErrorSpec, message: str | None = None) -> JsonResponse:
    return JsonResponse(error_body((spec.code, message or spec.message)), status=spec.status)
