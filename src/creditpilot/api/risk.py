"""The credit check: may a customer take an order of this amount on credit now?"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from creditpilot.accounts.rights import Action
from creditpilot.api.auth import scope_of
from creditpilot.api.errors import error_responses
from creditpilot.api.params import PlainText
from creditpilot.api.schemas import AMOUNT
from creditpilot.core.money import to_cents
from creditpilot.risk.credit import credit_check

router = Router(tags=["risk"])


class CreditCheckQuery(Schema):
    customer: PlainText = Field(max_length=64)
    amount: str = Field(pattern=r"^\d{1,12}(\.\d{1,2})?$", examples=["1234.50"])


class CreditCheckOut(Schema):
    customer: str
    amount: str = Field(**AMOUNT)
    decision: Literal["accept", "hold", "refuse"]
    reasons: list[str]
    rating: str
    exposure: str = Field(**AMOUNT)
    exposure_after: str = Field(**AMOUNT)
    limit: str | None = Field(None, **AMOUNT)
    room_after: str | None = Field(None, **AMOUNT)


@router.get(
    "/companies/{company}/credit-check",
    response={200: CreditCheckOut, **error_responses(403, 404, 422)},
    summary="Accept, hold or refuse an order on credit, with the reasons and the exposure after it",
)
def check(request: HttpRequest, company: str, query: Query[CreditCheckQuery]) -> dict[str, object]:
    scope = scope_of(request, company)
    scope.require(Action.VIEW)
    customer = scope.customer(query.customer)
    result = credit_check(scope.company, customer, to_cents(query.amount), timezone.localdate())
    return result.as_json()
