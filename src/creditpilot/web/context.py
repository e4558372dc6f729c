"""What every page's frame needs: the companies the user may switch to, the current one, the languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from creditpilot.accounts.scope import memberships_of


def frame(request: HttpRequest) -> dict[str, Any]:
    scope = getattr(request, "scope", None)
    return {
        "memberships": list(memberships_of(request.user)) if request.user.is_authenticated else [],
        "scope": scope,
        "company": scope.company if scope is not None else None,
        "languages": settings.LANGUAGES,
    }
