"""From a request or a signed-in user to the audit log's plain values."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from creditpilot.audit.models import AuditEvent
from creditpilot.audit.services import Actor
from creditpilot.audit.services import record as record_event
from creditpilot.companies.models import Company


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def actor_of(user: Any = None, request: HttpRequest | None = None, username: str = "") -> Actor:
    """Who acts, as plain values: the signed-in user (else ``username``) and their address."""
    real_user = user if getattr(user, "is_authenticated", False) else None
    if real_user is None and request is not None and username == "":
        candidate = getattr(request, "user", None)
        real_user = candidate if getattr(candidate, "is_authenticated", False) else None
    return Actor(
        username=username or (real_user.get_username() if real_user else ""),
        user_id=real_user.pk if real_user else None,
        ip=client_ip(request),
    )


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
    return record_event(
        action,
        actor=actor_of(user, request, username),
        company_id=company.pk if company is not None else None,
        object_type=object_type,
        object_ref=object_ref,
        before=before,
        after=after,
    )
