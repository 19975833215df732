"""The operators' admin: two-factor sign-in (required in production) and the review queue up front."""

from __future__ import annotations

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite

from portal.staff import is_verified_staff


class PortalAdminSite(OTPAdminSite):
    site_header = "Merchant Portal — Operations"
    site_title = "Merchant Portal operations"
    index_title = "Operations"
    index_template = "admin/portal_index.html"

    @property
    def login_form(self):  # type: ignore[override]
        return OTPAdminAuthenticationForm if settings.ADMIN_REQUIRE_OTP else AdminAuthenticationForm

    @property
    def login_template(self):  # type: ignore[override]
        return "otp/admin111/login.html" if settings.ADMIN_REQUIRE_OTP else None

    def has_permission(self, request) -> bool:
        return is_verified_staff(request.user)  # active staff, OTP-verified when required

    def index(self, request, extra_context=None):
        from portal.selectors import review_queue

        extra_context = dict(extra_context or {})
        if request.user.has_perm("portal.review_application"):
            extra_context["review_queue"] = list(review_queue()[:50])
        return super().index(request, extra_context)
