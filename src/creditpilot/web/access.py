"""The one door of every company page: sign-in required, scope resolved, right checked.

``company_view(action)`` wraps a view taking ``(request, scope, ...)``: the
``company`` URL argument is turned into the user's ``Scope`` (404 when the
company is not granted), and the action is checked (403 when the role may not).
Views then take every object through the scope, so none can reach another
company's data or, for a sales user, another rep's customer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from creditpilot.accounts.rights import Action
from creditpilot.accounts.scope import Scope, scope_for

CURRENT_COMPANY_KEY = "creditpilot_company"


def company_view(
    action: Action = Action.VIEW,
    *,
    post_action: Action | None = None,
    methods: tuple[str, ...] | None = None,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """``action`` is needed to reach the view; ``post_action`` (if given) to POST to it.

    The view answers GET (and POST when it has a ``post_action``) unless ``methods``
    says otherwise; the method is checked after the scope, so a company or customer
    out of reach is a 404 whatever the method.
    """
    allowed = methods or (("GET", "HEAD", "POST") if post_action else ("GET", "HEAD"))

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @functools.wraps(view)
        def wrapper(request: HttpRequest, company: str, *args: Any, **kwargs: Any) -> HttpResponse:
            scope: Scope = scope_for(request.user, company)
            scope.require(action)
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            if post_action is not None and request.method == "POST":
                scope.require(post_action)
            if request.session.get(CURRENT_COMPANY_KEY) != scope.company.code:
                request.session[CURRENT_COMPANY_KEY] = scope.company.code  # no write when unchanged
            request.scope = scope  # type: ignore[attr-defined]
            return view(request, scope, *args, **kwargs)

        wrapper.company_view = True  # type: ignore[attr-defined]
        return wrapper

    return decorate
