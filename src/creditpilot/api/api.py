"""The REST API, version 1, under ``/api/v1/``; its interactive docs at ``/api/docs``.

Every route needs an API key (``Authorization: Bearer cp_...``) or the
browser's signed-in session (with its CSRF token for writes); every company
route goes through the caller's scope, so a company or an object the caller is
not granted answers 404, like one that does not exist. Errors all have the
shape ``{"error": {"code", "message", "fields"}}`` (``creditpilot.api.errors``).
The docs page and the OpenAPI document are public: they describe the API, not
any company's data; Swagger UI is served from the application's static files.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.parser import Parser

from creditpilot.api import (
    companies,
    customers,
    dunning,
    imports,
    litigation,
    orders,
    reports,
    resolution,
    risk,
)
from creditpilot.api.auth import api_key, signed_in_session
from creditpilot.api.errors import UnsupportedMediaTypeError, error_body, register_error_handlers
from creditpilot.api.params import has_control_character

# path parameters that name what a request may create (an order's number, on its PUT): the
# operation refuses a control character there as a bad value (422, naming it), not as absent
_NAMED_BY_THE_CALLER = {"number"}


def _keep_error_shape(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The answers Django and ninja give outside any operation (no such path, wrong method), as API errors."""

    @functools.wraps(view)  # keeps the view's csrf_exempt: ninja checks CSRF in its session auth
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if any(
            has_control_character(str(value))
            for name, value in kwargs.items()
            if name not in _NAMED_BY_THE_CALLER
        ):
            # no company, customer or import is named so (and PostgreSQL refuses a NUL)
            return JsonResponse(error_body("not_found", "not found"), status=404)
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return JsonResponse(error_body("not_found", f"no API route {request.path}"), status=404)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse(
                error_body(
                    "method_not_allowed", f"{request.method} not allowed here (only {allowed})"
                ),
                status=405,
            )
            response["Allow"] = allowed
        return response

    return wrapper


@csrf_exempt  # it only answers 404: no CSRF verdict before that
def _no_such_route(request: HttpRequest, rest: str) -> HttpResponse:
    raise Http404(rest)


class JsonOnlyParser(Parser):
    """A JSON body is read only when it says it is JSON (``application/json`` or ``...+json``)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        media_type = (request.content_type or "").lower()
        if media_type != "application/json" and not media_type.endswith("+json"):
            raise UnsupportedMediaTypeError(
                f"the body must be JSON, sent as 'Content-Type: application/json' "
                f"(not {media_type or 'without a type'!r})"
            )
        return super().parse_body(request)


class CreditPilotAPI(NinjaAPI):
    def _get_urls(self) -> list[URLPattern | URLResolver]:
        patterns: list[URLPattern | URLResolver] = []
        for pattern in [*super()._get_urls(), path("<path:rest>", _no_such_route)]:
            if isinstance(pattern, URLPattern):
                pattern = path(
                    str(pattern.pattern), _keep_error_shape(pattern.callback), name=pattern.name
                )
            patterns.append(pattern)
        return patterns


api = CreditPilotAPI(
    title="creditpilot",
    version="1",
    description=(
        "Receivables ledger, aged balance and KPIs of the companies granted to the caller. "
        "Amounts are strings with two decimals, dates ISO (YYYY-MM-DD). "
        "Authenticate with `Authorization: Bearer <API key>`."
    ),
    urls_namespace="api",
    parser=JsonOnlyParser(),
    auth=[api_key, signed_in_session],
    # no call to the public validator service: the docs work offline
    docs=Swagger(settings={"validatorUrl": None}),
)
register_error_handlers(api)

for module in (
    companies,
    customers,
    reports,
    imports,
    dunning,
    litigation,
    resolution,
    risk,
    orders,
):
    api.add_router("/v1", module.router)
