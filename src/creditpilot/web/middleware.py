"""The user's own language setting wins over the browser's (which ``LocaleMiddleware`` applied)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext

from creditpilot.accounts.models import Profile
from creditpilot.collections.portal import MAX_FILE_BYTES as PORTAL_MAX_FILE_BYTES

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


class UploadLimitMiddleware:
    """A request body larger than the upload limit is refused before it is read (413)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.conf import settings
        from django.http import JsonResponse

        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if request.path.startswith("/portal/") and length > PORTAL_MAX_FILE_BYTES + 1024 * 1024:
            # a customer's document is 5 MB at most: a larger body is not even read
            message = str(gettext("The file is larger than 5 MB."))
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        # the form fields around the file are small: a margin of 1 MB
        limit = settings.MAX_UPLOAD_BYTES + 1024 * 1024
        if length > limit:
            message = f"the request is larger than the limit of {settings.MAX_UPLOAD_BYTES // (1024 * 1024)} MB"
            if request.path.startswith("/api/"):
                error = {"error": {"code": "upload_too_large", "message": message, "fields": {}}}
                return JsonResponse(error, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
