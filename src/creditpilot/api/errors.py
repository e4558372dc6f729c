"""Every error of the API has one shape: ``{"error": {"code", "message", "fields"}}``.

``code`` is stable (clients and tests branch on it), ``message`` is for people,
``fields`` names each rejected input with its reason. The status says the kind:
400 a request that cannot be read (a multipart body without its boundary, JSON
that does not parse), 401 not signed in, 403 not allowed, 404 absent or outside
the user's scope (the same answer, so nothing leaks), 413 a file or a body too
large, 415 a body that is not JSON where JSON is expected, 422 a value refused.

>>> error_body("not_found", "not found")
{'error': {'code': 'not_found', 'message': 'not found', 'fields': {}}}
>>> validation_fields([{"loc": ["query", "limit"], "msg": "Input should be less than or equal to 500"}])
{'limit': 'Input should be less than or equal to 500'}
>>> validation_fields([{"loc": ["body", "changes", "credit_limt"], "msg": "Extra inputs are not permitted"}])
{'credit_limt': 'Extra inputs are not permitted'}
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, UnreadablePostError
from django.http.multipartparser import MultiPartParserError
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from creditpilot.core.errors import CreditPilotError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from ninja import NinjaAPI

log = logging.getLogger(__name__)

# the part of a location that says where the value came from, not which field it is
_SOURCES = {"query", "path", "body", "form", "file", "header", "cookie"}
_STATUS_BY_CODE = {"upload_too_large": 413}
_CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


class UnsupportedMediaTypeError(Exception):
    """A body sent with another content type than the operation reads (415)."""


class ErrorDetail(Schema):
    code: str
    message: str
    fields: dict[str, str]


class ErrorOut(Schema):
    error: ErrorDetail


def error_body(code: str, message: str, fields: dict[str, str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def validation_fields(errors: list[dict[str, Any]]) -> dict[str, str]:
    """The first reason for each rejected input, keyed by the input's name as the client sent it."""
    fields: dict[str, str] = {}
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        if len(loc) > 2 and loc[0] == "body":
            loc = loc[2:]  # past the view's name for the body, which clients never see
        elif loc and loc[0] in _SOURCES:
            loc = loc[1:]
        name = ".".join(loc) or "body"
        message = str(err.get("msg", "invalid value"))
        if err.get("type") == "value_error" and err.get("ctx", {}).get("error"):
            message = str(err["ctx"]["error"])  # our own words, without pydantic's "Value error, "
        fields.setdefault(name, message)
    return fields


def register_error_handlers(api: NinjaAPI) -> None:
    def respond(
        request: HttpRequest,
        status: int,
        code: str,
        message: str,
        fields: dict[str, str] | None = None,
    ) -> HttpResponse:
        return api.create_response(request, error_body(code, message, fields), status=status)

    def on_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        fields = validation_fields(exc.errors)
        first = next(iter(fields.items()), ("body", "invalid request"))
        return respond(request, 422, "invalid_input", f"{first[0]}: {first[1]}", fields)

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        code = _CODE_BY_STATUS.get(exc.status_code, "error")
        if isinstance(exc, AuthenticationError):
            response = respond(
                request,
                401,
                code,
                "authentication required: send 'Authorization: Bearer <key>' or sign in",
            )
            response["WWW-Authenticate"] = "Bearer"
            return response
        if isinstance(exc.__cause__, UnsupportedMediaTypeError):
            # ninja turns any failure of the body parser into a 400: the cause says it was the type
            return respond(request, 415, _CODE_BY_STATUS[415], str(exc.__cause__))
        if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
            return respond(request, 400, "bad_request", "the request body is not valid JSON")
        return respond(request, exc.status_code, code, str(exc))

    def on_unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
        # what Django says of a body it cannot read: a multipart without boundary, a part header
        # too long (a file name of a thousand characters), too many fields, a broken connection
        reason = str(exc)
        if "header size" in reason:
            reason = "the headers of a part are too long (a file name of more than about 900 characters?)"
        return respond(request, 400, "bad_request", f"the request body cannot be read: {reason}")

    def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return respond(
            request,
            413,
            "request_too_large",
            f"the request body is larger than the limit of {limit} MB (files go to the imports)",
        )

    def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        what = str(exc)
        message = (
            f"your role in this company does not allow this ({what})"
            if what
            else "your role does not allow this"
        )
        return respond(request, 403, "forbidden", message)

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # the same words whether the object is absent or belongs to a company the user is not granted
        what = str(exc) if isinstance(exc, Http404) else ""
        message = (
            f"no such {what}" if what in {"company", "customer", "import", "order"} else "not found"
        )
        return respond(request, 404, "not_found", message)

    def on_invalid_input(request: HttpRequest, exc: InvalidInputError) -> HttpResponse:
        fields = {str(k): str(v) for k, v in (exc.params.get("fields") or {}).items()}
        return respond(request, _STATUS_BY_CODE.get(exc.code, 422), exc.code, str(exc), fields)

    def on_product_error(request: HttpRequest, exc: CreditPilotError) -> HttpResponse:
        return respond(request, 400, exc.code, str(exc))

    def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        log.exception("API %s %s", request.method, request.path)
        return respond(
            request, 500, "internal_error", "internal error: the request was not carried out"
        )

    api.add_exception_handler(MultiPartParserError, on_unreadable_body)
    api.add_exception_handler(UnreadablePostError, on_unreadable_body)
    api.add_exception_handler(RequestDataTooBig, on_body_too_large)
    api.add_exception_handler(SuspiciousOperation, on_unreadable_body)
    api.add_exception_handler(ValidationError, on_validation)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(NotFoundError, on_not_found)
    api.add_exception_handler(InvalidInputError, on_invalid_input)
    api.add_exception_handler(CreditPilotError, on_product_error)
    api.add_exception_handler(Exception, on_unexpected)


def error_responses(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses an operation declares in the OpenAPI document (400 and 401 for every one)."""
    return dict.fromkeys((400, 401, *statuses), ErrorOut)
