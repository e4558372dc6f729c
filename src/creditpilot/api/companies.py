"""The companies the caller is granted, with their role in each."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from creditpilot.accounts.scope import memberships_of
from creditpilot.api.auth import user_of
from creditpilot.api.errors import error_responses
from creditpilot.api.schemas import CompanyList

router = Router(tags=["companies"])


@router.get(
    "/companies",
    response={200: CompanyList, **error_responses()},
    summary="Companies granted to me",
)
def list_companies(request: HttpRequest) -> dict[str, object]:
    items = [
        {
            "code": m.company.code,
            "name": m.company.name,
            "currency": m.company.currency,
            "role": m.role,
            "sales_rep": m.sales_rep,
        }
        for m in memberships_of(user_of(request))
    ]
    return {"items": items}
