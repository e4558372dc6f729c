"""The user's own language setting wins over the browser's (which ``LocaleMiddleware`` applied)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from creditpilot.accounts.models import Profile

LANGUAGE_SESSION_KEY = "creditpilot_language"


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = (
            request.session.get(LANGUAGE_SESSION_KEY) if hasattr(request, "session") else None
        )
        if not language and request.user.is_authenticated:
            language = (
                Profile.objects.filter(user=request.user).values_list("language", flat=True).first()
            )
            if language and hasattr(request, "session"):
                request.session[LANGUAGE_SESSION_KEY] = language
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if language:
            response.headers.setdefault("Content-Language", language)
        return response
