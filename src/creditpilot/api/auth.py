"""Who is calling: an API key (``Authorization: Bearer cp_...``) or the browser's signed-in session.

Scripts use a key made with ``do_create_token`` (only its hash is stored). The
browser, and the interactive docs, use the Django session; for it every unsafe
request must carry the CSRF token, as the pages' forms do. A request with
neither is a 401, whatever its method.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from creditpilot.accounts.scope import Scope, scope_for
from creditpilot.accounts.services import user_for_token


class ApiKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return user_for_token(token)


class SignedInSession(SessionAuth):
    """Django's session auth with its CSRF check, asked only when someone is signed in.

    Without a signed-in user there is nothing a forged request could use, and the
    caller is told to authenticate (401) rather than that a CSRF token is missing (403).
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


api_key = ApiKey()
signed_in_session = SignedInSession()


def user_of(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by the auth classes above)."""
    return request.auth  # type: ignore[attr-defined]


def scope_of(request: HttpRequest, company: str) -> Scope:
    """The caller's scope in ``company`` (404 when not granted): every company route starts here."""
    return scope_for(user_of(request), company)
