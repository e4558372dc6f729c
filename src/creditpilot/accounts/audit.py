"""The audit log: one append-only row per sign-in, import, setting or change of terms or limit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from creditpilot.accounts.models import AuditEvent
from creditpilot.companies.models import Company


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def record(
    action: str,
    *,
    user: Any = None,
    company: Company | None = None,
    object_type: str = "",
    object_ref: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    username: str = "",
) -> AuditEvent:
    real_user = user if getattr(user, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        company=company,
        user=real_user,
        username=username or (real_user.get_username() if real_user else ""),
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        before=before or {},
        after=after or {},
        ip=client_ip(request),
    )
