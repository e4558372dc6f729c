"""One append-only row per sign-in, import, setting, grant or change of terms or limit."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    """Append-only: who did what, when, with the values before and after."""

    # by name, not by import: the audit log sits below every other app
    company = models.ForeignKey(
        "companies.Company", null=True, on_delete=models.CASCADE, related_name="audit_events"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)  # kept when the user is deleted
    action = models.CharField(max_length=40)
    object_type = models.CharField(max_length=40, blank=True)
    object_ref = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "accounts_auditevent"  # the table predates the app
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["company", "object_type", "object_ref"],
                name="accounts_au_company_0fc013_idx",
            )
        ]
