"""Who may call what: secret keys everywhere, public keys only where a view says so."""

from rest_framework.permissions import BasePermission

from portal import errors
from portal.errors import PortalError


class SecretKeyRequired(BasePermission):
    """The default: an authenticated secret key."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            raise PortalError(errors.AUTH_MISSING, headers={"WWW-Authenticate": 'Bearer realm="api"'})
        if principal.is_public_key:
            raise PortalError(errors.AUTH_PUBLIC_KEY_NOT_ALLOWED)
        return True


class PublicOrSecretKey(BasePermission):
    """Endpoints marked public (e.g. card tokenisation from a browser)."""

    def has_permission(self, request, view) -> bool:
        principal = request.user
        if principal is None or not getattr(principal, "is_authenticated", False):
            raise PortalError(errors.AUTH_MISSING, headers={"WWW-Authenticate": 'Bearer realm="api"'})
        return True


class PlatformKeyRequired(SecretKeyRequired):
    """Platform endpoints (``/v1/tenants``, ``/v1/platform_accounts``, …): a platform shop's secret
    key acting for itself (no ``Tenant-Shop-Id``)."""

    def has_permission(self, request, view) -> bool:
        super().has_permission(request, view)
        principal = request.user
        if principal.platform is not None or not principal.merchant.is_platform:
            raise PortalError(errors.AUTH_PLATFORM_ONLY)
        return True
