"""One-time dashboard sign-in links for users a platform creates (``access_token`` of
``POST /v1/tenant_entries``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import Merchant


class TenantAccessToken(models.Model):
    """The new tenant owner's first way in: a link the platform hands over, used once, expiring.

    Only the SHA-256 of the token is stored.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"sign-in link for {self.user} ({self.merchant.name})"
