"""The one check in front of every staff page: an active operator, signed in with the verified
one-time code when ``ADMIN_REQUIRE_OTP`` is on.

``StaffTwoFactorMiddleware`` applies it to every request: an operator's session without the
verified code is no session at all (the request is anonymous), so no page — present or future,
whatever permission it checks — serves staff data on a password alone, and the merchants'
sign-in refuses operators then (they sign in at ``/admin/`` with their code). The admin site
(``PortalAdminSite.has_permission``), staff-only views (``@staff_required``) and staff branches
of shared views (``staff_has_perm``) ask the same question explicitly.
``tests/security/test_staff_pages.py`` walks every URL pattern of the project to prove it.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.views import redirect_to_login
from django.urls import reverse
from django.utils.functional import SimpleLazyObject


def is_verified_staff(user) -> bool:
    if not (user is not None and user.is_authenticated and user.is_active and user.is_staff):
        return False
    if settings.ADMIN_REQUIRE_OTP:
        is_verified = getattr(user, "is_verified", None)  # set by django_otp's OTPMiddleware
        return bool(is_verified and is_verified())
    return True


def staff_has_perm(user, perm: str) -> bool:
    """A staff permission counts only for a verified operator (superusers have them all)."""
    return is_verified_staff(user) and user.has_perm(perm)


def staff_required(view):
    """Decorator of staff-only views: others go to the admin's sign-in (with its code field)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if is_verified_staff(request.user):
            return view(request, *args, **kwargs)
        return redirect_to_login(request.get_full_path(), reverse("admin:login"), REDIRECT_FIELD_NAME)

    wrapper.staff_only = True  # type: ignore[attr-defined]
    return wrapper


def needs_second_factor(user) -> bool:
    """An operator signed in without the verified code while two-factor is required."""
    return (
        settings.ADMIN_REQUIRE_OTP
        and user.is_authenticated
        and user.is_staff
        and not (getattr(user, "is_verified", None) and user.is_verified())
    )


class StaffTwoFactorMiddleware:
    """After django_otp's middleware: an operator's session without the verified code is
    anonymous (lazily, as ``request.user`` is: requests that never look pay nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        request.user = SimpleLazyObject(lambda: AnonymousUser() if needs_second_factor(user) else user)
        return self.get_response(request)
