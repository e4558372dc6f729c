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

from ninja import NinjaAPI, Swagger

from creditpilot.api import companies, customers, imports, reports
from creditpilot.api.auth import api_key, signed_in_session
from creditpilot.api.errors import register_error_handlers

api = NinjaAPI(
    title="creditpilot",
    version="1",
    description=(
        "Receivables ledger, aged balance and KPIs of the companies granted to the caller. "
        "Amounts are strings with two decimals, dates ISO (YYYY-MM-DD). "
        "Authenticate with `Authorization: Bearer <API key>`."
    ),
    urls_namespace="api",
    auth=[api_key, signed_in_session],
    # no call to the public validator service: the docs work offline
    docs=Swagger(settings={"validatorUrl": None}),
)
register_error_handlers(api)

for module in (companies, customers, reports, imports):
    api.add_router("/v1", module.router)
