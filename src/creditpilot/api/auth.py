"""Who is calling: an API key (``Authorization: Bearer cp_...``) or the browser's signed-in session.

Scripts use a key made with ``do_create_token`` (only its hash is stored). The
browser, and the interactive docs, use the Django session; for it every unsafe
request must carry the CSRF token, as the pages' forms do. A request with
neither is a 401, whatever its method.

On a company route (``/companies/{company}/...``) the grant is checked as soon
as the caller is known, before anything of the request body is read: a caller
who is not granted the company gets its 404 whatever they sent, even a body
that cannot be parsed.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from ninja.security import HttpBearer, SessionAuth

from creditpilot.accounts.scope import Scope, scope_for
from creditpilot.accounts.services import api_caller, user_for_token

_SCOPE_ATTR = "creditpilot_scope"


def _check_grant(request: HttpRequest, user: Any) -> None:
    """On a company route: the caller's scope there, kept on the request (404 when not granted)."""
    match = request.resolver_match
    company = match.kwargs.get("company") if match is not None else None
    if company is not None:
        setattr(request, _SCOPE_ATTR, scope_for(user, company))


class ApiKey(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        match = request.resolver_match
        company = match.kwargs.get("company") if match is not None else None
        if company is not None:  # the key and the grant at once (every company route)
            found = api_caller(token, company)
            if found is None:
                return None
            user, scope = found
            if scope is None:
                raise Http404("company")
            setattr(request, _SCOPE_ATTR, scope)
            return user
        user = user_for_token(token)
        if user is not None:
            _check_grant(request, user)
        return user


class SignedInSession(SessionAuth):
    """Django's session auth with its CSRF check, asked only when someone is signed in.

    Without a signed-in user there is nothing a forged request could use, and the
    caller is told to authenticate (401) rather than that a CSRF token is missing (403).
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        _check_grant(request, request.user)  # before the CSRF check, which may read the body
        return super()._get_key(request)


api_key = ApiKey()
signed_in_session = SignedInSession()


def user_of(request: HttpRequest) -> Any:
    """The authenticated user of an API request (set by the auth classes above)."""
    return request.auth  # type: ignore[attr-defined]


def scope_of(request: HttpRequest, company: str) -> Scope:
    """The caller's scope in ``company`` (404 when not granted): every company route starts here."""
    scope: Scope | None = getattr(request, _SCOPE_ATTR, None)
    if scope is not None and scope.company.code == company:
        return scope
    return scope_for(user_of(request), company)
