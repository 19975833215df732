"""Who may use the simulators: our own provider clients, and (in production) verified staff.

* ``client_only(name)`` guards the outside-world APIs our provider clients call server to
  server (authorisations, operations, queries, 3-D Secure): the caller presents
  ``Authorization: Bearer <simulator key>``, which only the gateway can derive. A merchant or
  buyer who learns an access id can neither read another merchant's authorisation data
  nor operate on it.
* ``control`` guards what changes the simulators' behaviour or plays the buyer (failures,
  latency, renotify, expire, pay pages). Outside production it is open (test equipment on a
  laptop or in CI). In production — where the simulators are routed only when
  ``SIMULATORS_ENABLED`` says so, for a staging system — it needs
  ``Authorization: Bearer <SIMULATOR_CONTROL_TOKEN>`` or a staff login, with the verified
  one-time code when ``ADMIN_REQUIRE_OTP`` is on (the project's one check,
  ``portal.staff.is_verified_staff``).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import JsonResponse

from payments.providers.http import simulator_key
from portal.staff import is_verified_staff


def _bearer(request) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def client_only(name: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not _same(_bearer(request), simulator_key(name)):
                return JsonResponse({"error": "unauthorized"}, status=401)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate


def control_allowed(request) -> bool:
    if settings.PORTAL_ENV != "production":
        return True
    return _same(_bearer(request), settings.SIMULATOR_CONTROL_TOKEN) or is_verified_staff(
        getattr(request, "user", None)
    )


def control(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not control_allowed(request):
            return JsonResponse(
                {
                    "error": "forbidden",
                    "detail": "simulator controls need a verified staff login or the token",
                },
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper
