"""Users' access to companies, their settings, API tokens and the audit log.

A user is granted a company with a role (``Membership``); every page and API
route goes through ``creditpilot.accounts.scope`` which reads these grants.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from creditpilot.accounts.rights import Role
from creditpilot.companies.models import Company


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=[(r.value, r.value) for r in Role])
    # for the sales role: the customers whose ``sales_rep`` is this name
    sales_rep = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["company__code"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company.code} ({self.role})"


class Profile(models.Model):
    """What a user chose for themselves: the language (empty = the browser's)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(max_length=8, blank=True)


class ApiToken(models.Model):
    """A bearer token of one user; only its SHA-256 is stored, the key is shown once.

    It opens the API until it is revoked or, when it has one, until its expiry.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, default="api")
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True)
    expires_at = models.DateTimeField(null=True)  # none: until revoked
    revoked_at = models.DateTimeField(null=True)

    def status(self, now: datetime) -> str:
        """``active``, ``expired`` or ``revoked``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"
